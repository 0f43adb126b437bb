//! `dfc lint`: run the checks over Dockerfiles, print the findings in the chosen format,
//! and exit 0 (clean), 1 (findings at or above `--fail-level`, or a `# check=error=true`
//! failure) or 2 (a file could not be read or parsed).

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::lint::buildkit::ignore::IgnoreMatcher;
use crate::lint::output::{self, FileReport};
use crate::lint::{lint, rule, Context, Options, Severity};

use super::render::read_input;
use super::{emit, Status};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Dockerfiles to check (- for standard input).
    #[arg(default_value = "Dockerfile")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Rules to skip (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Only run these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    rules: Option<Vec<String>>,
    /// Also run BuildKit's experimental rules (as `# check=experimental=all`).
    #[arg(long)]
    experimental: bool,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailLevel::Info)]
    fail_level: FailLevel,
    /// Print a rule's documentation and exit.
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Checkstyle,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailLevel {
    Info,
    Style,
    Warning,
    Error,
    /// Never fail because of findings.
    None,
}

pub fn run(args: LintArgs) -> Status {
    if let Some(code) = &args.explain {
        return explain(code);
    }
    let options = Options {
        select: args
            .rules
            .as_ref()
            .map(|r| r.iter().cloned().collect::<BTreeSet<_>>()),
        ignore: args.ignore.iter().cloned().collect(),
        experimental: args.experimental,
    };
    let mut inputs = Vec::new();
    let mut status = Status::Clean;
    for path in &args.files {
        let input = match read_input(path) {
            Ok(i) => i,
            Err(msg) => {
                eprintln!("error: {msg}");
                status = Status::Failure;
                continue;
            }
        };
        let dir = path.parent().map(|p| p.join(".dockerignore"));
        let dockerignore = dir
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|t| IgnoreMatcher::parse(&t));
        let report = lint(&input.text, &options, &Context { dockerignore });
        inputs.push((input, report));
    }
    let min = match args.fail_level {
        FailLevel::Info => Some(Severity::Info),
        FailLevel::Style => Some(Severity::Style),
        FailLevel::Warning => Some(Severity::Warning),
        FailLevel::Error => Some(Severity::Error),
        FailLevel::None => None,
    };
    for (input, report) in &inputs {
        if let Some(err) = &report.error {
            eprintln!("error: {}: {}", input.name, err.message);
            if err.is_parse_error {
                status = Status::Failure;
            } else if status == Status::Clean {
                status = Status::Findings;
            }
        }
        let failing = min.is_some_and(|m| report.diagnostics.iter().any(|d| d.severity >= m));
        if failing && status == Status::Clean {
            status = Status::Findings;
        }
    }
    let files: Vec<FileReport<'_>> = inputs
        .iter()
        .map(|(i, r)| FileReport {
            path: &i.name,
            source: &i.text,
            diagnostics: &r.diagnostics,
        })
        .collect();
    let written = match args.format {
        Format::Json => emit(&output::json(&files)),
        Format::Sarif => emit(&output::sarif(&files)),
        Format::Github => emit(&output::github(&files)),
        Format::Checkstyle => emit(&output::checkstyle(&files)),
        Format::Human => {
            let choice = if std::io::stdout().is_terminal() {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            };
            let mut out = StandardStream::stdout(choice);
            match output::human(&files, &mut out) {
                Ok(()) => Status::Clean,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Status::Clean,
                Err(e) => {
                    eprintln!("error: cannot write output: {e}");
                    Status::Failure
                }
            }
        }
    };
    if written == Status::Failure {
        return Status::Failure;
    }
    status
}

fn explain(code: &str) -> Status {
    match rule::find(code) {
        Some(r) => {
            let mut text = format!("# {}\n\n{}\n\n", r.code, r.summary);
            text.push_str(r.doc);
            if !r.url.is_empty() {
                text.push_str(&format!("\n## References\n{}\n", r.url));
            }
            emit(&text)
        }
        None => {
            eprintln!(
                "error: unknown rule {code}; rules are: {}",
                rule::RULES
                    .iter()
                    .map(|r| r.code)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Status::Failure
        }
    }
}
