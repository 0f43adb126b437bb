//! `dfc lint`: BuildKit's build checks and hadolint's `DL` rules over a Dockerfile, with
//! exact spans.
//!
//! [`lint`] reads the text with [`crate::syntax`] and [`crate::ast`], runs the checks of
//! every rule in [`rule::RULES`] that the configuration selects, and returns the sorted
//! diagnostics. It does no I/O: the CLI reads files and `.dockerignore` and renders the
//! result ([`output`]).

pub mod buildkit;
pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod hadolint;
pub mod output;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod sink;

use crate::syntax::{LineIndex, Span};

pub use config::{CheckConfig, Options};
pub use diagnostic::{Diagnostic, Edit, Position, Severity};
pub use rule::{Rule, RULES};

use buildkit::ignore::IgnoreMatcher;
use sink::Sink;

/// The outcome of linting one file.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings, sorted by position, code and message.
    pub diagnostics: Vec<Diagnostic>,
    /// The error the checks stopped with, as BuildKit words it: the file does not parse,
    /// cannot be converted, or `# check=error=true` with findings.
    pub error: Option<LintError>,
}

/// Why the checks stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintError {
    pub message: String,
    /// Where, when known.
    pub span: Option<Span>,
    /// The file could not be read as a Dockerfile (parse error), as opposed to a policy
    /// failure (`error=true`).
    pub is_parse_error: bool,
}

/// What the linter reads besides the Dockerfile text.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The build context's `.dockerignore`, if any.
    pub dockerignore: Option<IgnoreMatcher>,
    /// The stages whose instructions are checked, by index in the file, as a build
    /// dispatches only the stages its target reaches. `None` (`dfc lint`, like
    /// `docker build --check` without a target) checks every stage.
    pub stages: Option<std::collections::BTreeSet<usize>>,
}

/// Lints one Dockerfile.
pub fn lint(source: &str, options: &Options, context: &Context) -> Report {
    lint_with_config(source, options, context, None)
}

/// Lints one Dockerfile; `config`, when given, replaces the file's own `# check=`
/// directive as BuildKit's `BUILDKIT_DOCKERFILE_CHECK` build arg does (comments above
/// instructions still add to it).
pub fn lint_with_config(
    source: &str,
    options: &Options,
    context: &Context,
    config: Option<&CheckConfig>,
) -> Report {
    let mut report = Report::default();
    if source.is_empty() {
        report.error = Some(LintError {
            message: "the Dockerfile cannot be empty".to_string(),
            span: None,
            is_parse_error: true,
        });
        return report;
    }
    let parsed = crate::syntax::parse(source);
    if let Some(first) = parsed.errors.first() {
        report.error = Some(LintError {
            message: crate::FileError::from(first.clone())
                .buildkit_message(&LineIndex::new(source)),
            span: Some(first.span()),
            is_parse_error: true,
        });
        return report;
    }
    // A caller's replacement (compile's build arg) wins over the configured one.
    let from_file = match config.or(options.check.as_ref()) {
        Some(c) => Ok(c.clone()),
        None => file_check_config(&parsed.file),
    };
    let base = match from_file {
        Ok(c) => c,
        Err(message) => {
            report.error = Some(LintError {
                message,
                span: None,
                is_parse_error: true,
            });
            return report;
        }
    };
    let (tree, ast_errors) = crate::ast::build(&parsed.file);
    let mut sink = Sink::new(options, source, parsed.file.escape);
    let input = buildkit::Input {
        source,
        parsed: &parsed.file,
        tree: &tree,
        ast_errors: &ast_errors,
        ignore: context.dockerignore.as_ref(),
        stages: context.stages.as_ref(),
    };
    let result = buildkit::run(&input, &mut sink, &base);
    hadolint::run(source, &parsed.file, &mut sink);
    let is_parse_error = !ast_errors.is_empty();
    report.error = match result {
        Err(message) => Some(LintError {
            span: ast_errors.iter().map(|e| e.span()).min(),
            message,
            is_parse_error,
        }),
        Ok(()) if !sink.failing_rules.is_empty() => {
            let mut rules = sink.failing_rules.clone();
            rules.sort_unstable();
            rules.dedup();
            Some(LintError {
                message: format!("lint violation found for rules: {}", rules.join(", ")),
                span: None,
                is_parse_error: false,
            })
        }
        Ok(()) => None,
    };
    report.diagnostics = sink.diagnostics;
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report
}

/// The file's own `# check=` directive (an invalid one is an error, as in BuildKit).
fn file_check_config(file: &crate::syntax::ParsedFile) -> Result<CheckConfig, String> {
    match file.directives.iter().find(|d| d.name == "check") {
        None => Ok(CheckConfig::default()),
        Some(d) => {
            CheckConfig::parse(&d.value).map_err(|e| format!("failed to parse check options: {e}"))
        }
    }
}
