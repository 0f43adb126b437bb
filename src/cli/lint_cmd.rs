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
use crate::lint::settings::{parse_label_requirement, LabelType, Settings, Threshold};
use crate::lint::{lint, rule, Context, Options, Severity};

use super::lint_config::{self, ConfigError, Places};
use super::lint_fix;

use super::render::read_input;
use super::{emit, Status};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Dockerfiles to check (- for standard input).
    #[arg(default_value = "Dockerfile")]
    files: Vec<PathBuf>,
    /// Output format [default: human].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Rules to skip (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Only run these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    rules: Option<Vec<String>>,
    /// Also run BuildKit's experimental rules (as `# check=experimental=all`).
    #[arg(long)]
    experimental: bool,
    /// Lowest severity that makes the exit status 1 [default: info].
    #[arg(long, value_enum, visible_alias = "failure-threshold")]
    fail_level: Option<FailLevel>,
    /// Findings never make the exit status 1.
    #[arg(long)]
    no_fail: bool,
    /// The configuration file (`.toml`: dfc's `[lint]` table; else hadolint YAML). Without
    /// it, `./.dfc.toml` and hadolint's usual places are read.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// A registry FROM may use (DL3026; repeatable).
    #[arg(long, value_name = "REGISTRY")]
    trusted_registry: Vec<String>,
    /// A label every stage must have, as name:type (DL3049–DL3058; repeatable). Types:
    /// text, url, spdx, hash, rfc3339, semver, email.
    #[arg(long, value_name = "LABEL:TYPE", value_parser = parse_label)]
    require_label: Vec<(String, LabelType)>,
    /// Labels outside the required ones are findings (DL3050).
    #[arg(long)]
    strict_labels: bool,
    /// `# hadolint ignore=` pragmas have no effect.
    #[arg(long)]
    disable_ignore_pragma: bool,
    /// Report this rule as an error (repeatable).
    #[arg(long = "error", value_name = "RULE")]
    as_error: Vec<String>,
    /// Report this rule as a warning (repeatable).
    #[arg(long = "warning", value_name = "RULE")]
    as_warning: Vec<String>,
    /// Report this rule as info (repeatable).
    #[arg(long = "info", value_name = "RULE")]
    as_info: Vec<String>,
    /// Report this rule as style (repeatable).
    #[arg(long = "style", value_name = "RULE")]
    as_style: Vec<String>,
    /// Apply the mechanical fixes in place (standard input: print the fixed text), then
    /// report what is left.
    #[arg(long)]
    fix: bool,
    /// Print the fixes as a unified diff instead of applying them (exit 1 when there are
    /// any).
    #[arg(long)]
    diff: bool,
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
    let settings = match settings(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::Failure;
        }
    };
    let mut options = Options::from_settings(&settings);
    options.select = args
        .rules
        .as_ref()
        .map(|r| r.iter().cloned().collect::<BTreeSet<_>>());
    options.experimental = args.experimental;
    let format = args.format.unwrap_or_else(|| {
        settings
            .format
            .as_deref()
            .and_then(|f| Format::from_str(f, true).ok())
            .unwrap_or(Format::Human)
    });
    let mut inputs = Vec::new();
    let mut status = Status::Clean;
    let mut changed = false;
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
        let context = Context {
            dockerignore,
            stages: None,
        };
        let mut input = input;
        if args.fix || args.diff {
            match lint_fix::run(path, &input, &options, &context, args.diff) {
                Ok(lint_fix::Outcome::Changed(text)) => {
                    changed = true;
                    input.text = text;
                }
                Ok(lint_fix::Outcome::Unchanged) => {}
                Err(e) => {
                    eprintln!("error: {}: {e}", input.name);
                    status = Status::Failure;
                    continue;
                }
            }
            if args.diff || path.as_os_str() == "-" {
                continue;
            }
        }
        let report = lint(&input.text, &options, &context);
        inputs.push((input, report));
    }
    if args.diff || (args.fix && args.files.iter().any(|p| p.as_os_str() == "-")) {
        // The output was the diff (or the fixed text); nothing else goes to stdout.
        return match status {
            Status::Clean if changed && args.diff => Status::Findings,
            s => s,
        };
    }
    let min = match args.fail_level {
        Some(FailLevel::Info) => Some(Severity::Info),
        Some(FailLevel::Style) => Some(Severity::Style),
        Some(FailLevel::Warning) => Some(Severity::Warning),
        Some(FailLevel::Error) => Some(Severity::Error),
        Some(FailLevel::None) => None,
        None if settings.no_fail == Some(true) => None,
        None => match settings.failure_threshold {
            Some(Threshold::AtLeast(s)) => Some(s),
            Some(Threshold::Never) => None,
            None => Some(Severity::Info),
        },
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
    let written = match format {
        Format::Json => emit(&output::json(&files)),
        Format::Sarif => emit(&output::sarif(&files)),
        Format::Github => emit(&output::github(&files)),
        Format::Checkstyle => emit(&output::checkstyle(&files)),
        Format::Human => {
            let choice = if std::io::stdout().is_terminal() && settings.no_color != Some(true) {
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

/// The configuration files and environment, with the command line on top.
fn settings(args: &LintArgs) -> Result<Settings, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let places = Places {
        cwd: &cwd,
        home: std::env::var_os("HOME").map(PathBuf::from),
        xdg_config_home: std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from),
    };
    let files = lint_config::load(args.config.as_deref(), &places, |n| std::env::var(n).ok())?;
    let mut overrides = Vec::new();
    for (codes, severity) in [
        (&args.as_style, Severity::Style),
        (&args.as_info, Severity::Info),
        (&args.as_warning, Severity::Warning),
        (&args.as_error, Severity::Error),
    ] {
        overrides.extend(codes.iter().map(|c| (c.clone(), severity)));
    }
    let cli = Settings {
        ignored: args.ignore.clone(),
        overrides,
        trusted_registries: args.trusted_registry.clone(),
        label_schema: args.require_label.iter().cloned().collect(),
        strict_labels: args.strict_labels.then_some(true),
        disable_ignore_pragma: args.disable_ignore_pragma.then_some(true),
        no_fail: args.no_fail.then_some(true),
        ..Settings::default()
    };
    Ok(files.over(cli))
}

fn parse_label(text: &str) -> Result<(String, LabelType), String> {
    parse_label_requirement(text)
}

fn explain(code: &str) -> Status {
    match rule::find(code) {
        Some(r) => {
            let mut text = format!("# {}\n\n{}\n\n", r.code, r.summary);
            text.push_str(r.doc);
            // Rules whose fix needs explaining say so in their own `## Fix` section.
            if r.fixable == rule::Fixable::Yes && !r.doc.contains("## Fix") {
                text.push_str("\n## Fix\n`dfc lint --fix` rewrites it (`--diff` shows how).\n");
            }
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
