//! `# check=error=true` in `dfc compile`: a build with findings fails as BuildKit's does
//! (`lint violation found for rules: …`, rules sorted), one without compiles, and a bad
//! `# check=` directive is an error. Cases from BuildKit's `dockerfile_check_test.go`.

use dfc::lower::{compile, CompileOptions, LayoutResolver};

fn build(text: &str) -> Result<(), String> {
    compile(
        text,
        &CompileOptions::default(),
        &LayoutResolver::new("/nonexistent"),
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

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
