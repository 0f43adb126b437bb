//! The build checks as a build (not `--check`) applies them: with `# check=error=true`
//! in the file's directives, any finding of BuildKit's checks fails the build with
//! `lint violation found for rules: …` once the conversion itself succeeded
//! (`finalizeResultImage`); an unparsable `# check=` directive fails it up front.
//!
//! The checks are the lint engine's ([`crate::lint`]), restricted to BuildKit's rules
//! under the file's own configuration (experimental rules only when it enables them).
//! What it does not do: run hadolint rules, or limit the checks to the stages the
//! target reaches (BuildKit's build skips the per-instruction checks of stages it does
//! not dispatch; a finding only there still fails here).

use crate::lint::rule::Origin;
use crate::lint::{CheckConfig, Context, Options, RULES};
use crate::syntax::ParsedFile;

use super::error::LowerError;

/// The file-level `# check=` configuration (`failed to parse check options` when bad).
pub fn file_config(file: &ParsedFile) -> Result<CheckConfig, LowerError> {
    match file.directives.iter().find(|d| d.name == "check") {
        None => Ok(CheckConfig::default()),
        Some(d) => CheckConfig::parse(&d.value)
            .map_err(|e| LowerError::general(format!("failed to parse check options: {e}"))),
    }
}

/// `lint.Error()` at the end of a build: with `error=true`, the rules that fired.
pub fn enforce(
    source: &str,
    config: &CheckConfig,
    dockerignore: &[String],
) -> Result<(), LowerError> {
    if !config.error {
        return Ok(());
    }
    let options = Options {
        select: Some(
            RULES
                .iter()
                .filter(|r| r.origin == Origin::BuildKit)
                .map(|r| r.code.to_string())
                .collect(),
        ),
        ..Options::default()
    };
    let context = Context {
        dockerignore: (!dockerignore.is_empty())
            .then(|| crate::lint::buildkit::ignore::IgnoreMatcher::parse(&dockerignore.join("\n"))),
    };
    let report = crate::lint::lint(source, &options, &context);
    let mut rules: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    rules.sort_unstable();
    rules.dedup();
    if rules.is_empty() {
        return Ok(());
    }
    Err(LowerError::general(format!(
        "lint violation found for rules: {}",
        rules.join(", ")
    )))
}
