//! hadolint's configurable rules (DL3026 trusted registries, DL3049–DL3058 label schema,
//! DL3057 turned on by an override) against hadolint 2.15.1 on crafted cases:
//! `tests/fixtures/lint/config/<case>/{.hadolint.yaml,Dockerfile,hadolint.json}`, where
//! `hadolint.json` is hadolint's own `-f json` output for that configuration.
//!
//! dfc, reading the same `.hadolint.yaml`, must report exactly hadolint's (line, code,
//! message, level) for every rule dfc implements. When hadolint is installed
//! (`target/bench-venv/bin/hadolint` or on `PATH`) it is run too, and its live output must
//! equal the recording, so the fixtures cannot drift from the real tool; without it that
//! half is skipped with a message.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use dfc::lint::rule::{Origin, RULES};
use dfc::lint::settings::Settings;
use dfc::lint::{lint, Context, Options};
use dfc::syntax::LineIndex;

type Finding = (u32, String, String, String);

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint/config");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    assert!(out.len() >= 5, "the config cases are there");
    out
}

fn implemented() -> BTreeSet<&'static str> {
    RULES
        .iter()
        .filter(|r| r.origin == Origin::Hadolint)
        .map(|r| r.code)
        .collect()
}

/// hadolint's JSON findings for the codes dfc implements.
fn read_hadolint(json: &str) -> BTreeSet<Finding> {
    let implemented = implemented();
    serde_json::from_str::<Vec<serde_json::Value>>(json)
        .expect("hadolint JSON")
        .iter()
        .filter(|v| implemented.contains(v["code"].as_str().unwrap_or("")))
        .map(|v| {
            (
                v["line"].as_u64().unwrap() as u32,
                v["code"].as_str().unwrap().to_string(),
                v["message"].as_str().unwrap().to_string(),
                v["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn dfc_findings(case: &Path) -> BTreeSet<Finding> {
    let yaml = std::fs::read_to_string(case.join(".hadolint.yaml")).unwrap();
    let settings = Settings::from_hadolint_yaml(&yaml, ".hadolint.yaml").expect("valid config");
    let options = Options::from_settings(&settings);
    let text = std::fs::read_to_string(case.join("Dockerfile")).unwrap();
    let report = lint(&text, &options, &Context::default());
    let index = LineIndex::new(&text);
    report
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("DL"))
        .map(|d| {
            (
                d.instruction_line(&index),
                d.code.to_string(),
                d.message.clone(),
                d.severity.as_str().to_string(),
            )
        })
        .collect()
}

#[test]
fn configurable_rules_match_hadolint_recordings() {
    let mut failures = Vec::new();
    for case in cases() {
        let expected = read_hadolint(&std::fs::read_to_string(case.join("hadolint.json")).unwrap());
        let actual = dfc_findings(&case);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for f in expected.difference(&actual) {
            failures.push(format!("{name}: hadolint only: {f:?}"));
        }
        for f in actual.difference(&expected) {
            failures.push(format!("{name}: dfc only: {f:?}"));
        }
        let configured: BTreeSet<&str> = ["DL3026", "DL3049", "DL3050", "DL3051", "DL3052"]
            .into_iter()
            .chain(["DL3053", "DL3054", "DL3055", "DL3056", "DL3057", "DL3058"])
            .collect();
        assert!(
            expected.iter().any(|f| configured.contains(f.1.as_str())),
            "{name}: the case exercises a configurable rule"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn hadolint_binary() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-venv/bin/hadolint");
    if local.is_file() {
        return Some(local);
    }
    let found = Command::new("hadolint").arg("--version").output().ok()?;
    found.status.success().then(|| PathBuf::from("hadolint"))
}

#[test]
fn recordings_are_what_hadolint_says() {
    let Some(hadolint) = hadolint_binary() else {
        eprintln!("skipping: hadolint is not installed (target/bench-venv/bin/hadolint or PATH)");
        return;
    };
    for case in cases() {
        let out = Command::new(&hadolint)
            .current_dir(&case)
            .args(["--no-fail", "-f", "json", "Dockerfile"])
            .env_remove("HADOLINT_IGNORE")
            .output()
            .expect("hadolint runs");
        let live = read_hadolint(&String::from_utf8_lossy(&out.stdout));
        let recorded = read_hadolint(&std::fs::read_to_string(case.join("hadolint.json")).unwrap());
        assert_eq!(
            live,
            recorded,
            "{}: hadolint's output changed",
            case.display()
        );
    }
}
