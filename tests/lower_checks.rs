//! `# check=error=true` in `dfc compile`: a build with findings fails as BuildKit's does
//! (`lint violation found for rules: …`, rules sorted), one without compiles, and a bad
//! `# check=` directive is an error. Cases from BuildKit's `dockerfile_check_test.go`.
//! Per-instruction checks cover only the stages the target reaches (BuildKit dispatches
//! no others); file-wide ones cover every stage; `dfc lint` still checks every stage.

use dfc::lint::{lint, Context, Options};
use dfc::lower::{compile, CompileOptions, LayoutResolver};

fn build(text: &str) -> Result<(), String> {
    build_target(text, None)
}

fn build_target(text: &str, target: Option<&str>) -> Result<(), String> {
    let opts = CompileOptions {
        target: target.map(str::to_string),
        ..CompileOptions::default()
    };
    compile(text, &opts, &LayoutResolver::new("/nonexistent"))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Violations of dispatch-time rules, all in the stage `other`.
const UNREACHED: &str = "#check=error=true
FROM scratch AS other
ENV A b
WORKDIR rel
CMD echo hi
EXPOSE 80/TCP
ARG API_SECRET
FROM scratch AS final
COPY Dockerfile .
";

#[test]
fn error_true_with_findings_fails() {
    assert_eq!(
        build("#check=error=true\nFROM scratch as base\ncopy Dockerfile .\n").unwrap_err(),
        "lint violation found for rules: ConsistentInstructionCasing, FromAsCasing"
    );
    assert_eq!(
        build("#check=skip=ConsistentInstructionCasing;error=true\nFROM scratch as base\ncopy Dockerfile .\n")
            .unwrap_err(),
        "lint violation found for rules: FromAsCasing"
    );
}

#[test]
fn error_true_without_findings_or_without_error_compiles() {
    build("#check=error=true\nFROM scratch AS base\nCOPY Dockerfile .\n").unwrap();
    build("FROM scratch as base\ncopy Dockerfile .\n").unwrap();
    build("#check=skip=all;error=true\nFROM scratch as base\ncopy Dockerfile .\n").unwrap();
}

#[test]
fn bad_check_directive_is_an_error() {
    let err = build("#check=bogus\nFROM scratch\n").unwrap_err();
    assert!(err.starts_with("failed to parse check options: "), "{err}");
}

#[test]
fn dispatch_checks_skip_stages_the_target_does_not_reach() {
    build(UNREACHED).unwrap();
    assert_eq!(
        build_target(UNREACHED, Some("other")).unwrap_err(),
        "lint violation found for rules: ExposeProtoCasing, JSONArgsRecommended, \
         LegacyKeyValueFormat, SecretsUsedInArgOrEnv, WorkdirRelativePath"
    );
    // Reached through `COPY --from`, the stage is dispatched and checked.
    let text = UNREACHED.replace("COPY Dockerfile .", "COPY --from=other / /");
    assert_eq!(
        build(&text).unwrap_err(),
        "lint violation found for rules: ExposeProtoCasing, JSONArgsRecommended, \
         LegacyKeyValueFormat, SecretsUsedInArgOrEnv, WorkdirRelativePath"
    );
    // Reached as a base stage, too.
    let text = UNREACHED.replace("FROM scratch AS final", "FROM other AS final");
    assert!(build(&text).is_err());
}

#[test]
fn file_wide_checks_cover_every_stage() {
    // FromAsCasing and ConsistentInstructionCasing are checked while parsing.
    let text = "#check=error=true\nFROM scratch as other\nFROM scratch AS final\n";
    assert_eq!(
        build(text).unwrap_err(),
        "lint violation found for rules: FromAsCasing"
    );
    let text = "#check=error=true\nFROM scratch AS other\ncopy a .\nFROM scratch AS final\n";
    assert_eq!(
        build(text).unwrap_err(),
        "lint violation found for rules: ConsistentInstructionCasing"
    );
    // UndefinedArgInFrom is checked when the stages are set up, reached or not.
    let text =
        "#check=error=true\nFROM scratch AS other\nFROM ${NOPE:-scratch} AS final\nFROM scratch\n";
    assert_eq!(
        build(text).unwrap_err(),
        "lint violation found for rules: UndefinedArgInFrom"
    );
}

#[test]
fn lint_still_checks_every_stage() {
    let report = lint(UNREACHED, &Options::default(), &Context::default());
    let mut codes: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.code)
        .filter(|c| !c.starts_with("DL"))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "ExposeProtoCasing",
            "JSONArgsRecommended",
            "LegacyKeyValueFormat",
            "SecretsUsedInArgOrEnv",
            "WorkdirRelativePath"
        ]
    );
}
