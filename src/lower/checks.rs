//! The build checks as a build (not `--check`) applies them: with `# check=error=true`
//! in the file's directives (or the `BUILDKIT_DOCKERFILE_CHECK` build arg, which
//! replaces them), any finding of BuildKit's checks fails the build with
//! `lint violation found for rules: …` once the conversion itself succeeded
//! (`finalizeResultImage`); an unparsable `# check=` directive fails it up front.
//!
//! The checks are the lint engine's ([`crate::lint`]), restricted to BuildKit's rules
//! under the file's own configuration (experimental rules only when it enables them).
//! As in BuildKit's build, the per-instruction checks (and the base image platform
//! check) cover only the stages the target reaches; the file-wide ones (parse, casing,
//! stage names, FROM arguments) cover every stage. It does not run hadolint rules.

use std::collections::{BTreeMap, BTreeSet};

use crate::lint::rule::Origin;
use crate::lint::{CheckConfig, Context, Options, RULES};
use crate::syntax::ParsedFile;

use super::error::LowerError;

const CHECK_ARG: &str = "BUILDKIT_DOCKERFILE_CHECK";

/// The build's check configuration: the `BUILDKIT_DOCKERFILE_CHECK` build arg when
/// given (`failed to parse build-arg:…`), else the file-level `# check=` directive
/// (`failed to parse check options` when bad). The flag says which one.
pub fn build_config(
    file: &ParsedFile,
    build_args: &BTreeMap<String, String>,
) -> Result<(CheckConfig, bool), LowerError> {
    if let Some(v) = build_args.get(CHECK_ARG) {
        let c = CheckConfig::parse(v).map_err(|e| {
            LowerError::general(format!("failed to parse build-arg:{CHECK_ARG}: {e}"))
        })?;
        return Ok((c, true));
    }
    match file.directives.iter().find(|d| d.name == "check") {
        None => Ok((CheckConfig::default(), false)),
        Some(d) => CheckConfig::parse(&d.value)
            .map(|c| (c, false))
            .map_err(|e| LowerError::general(format!("failed to parse check options: {e}"))),
    }
}

/// `lint.Error()` at the end of a build: with `error=true`, the rules that fired, with
/// `dispatched` (file stage indices) the stages whose instructions were checked.
pub fn enforce(
    source: &str,
    (config, from_build_arg): &(CheckConfig, bool),
    dockerignore: &[String],
    dispatched: BTreeSet<usize>,
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
        stages: Some(dispatched),
    };
    let report =
        crate::lint::lint_with_config(source, &options, &context, from_build_arg.then_some(config));
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
