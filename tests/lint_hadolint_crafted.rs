//! hadolint agreement on crafted fixtures: `tests/fixtures/lint/hadolint/*.Dockerfile`
//! are written to make rules fire and to come close without firing (the corpus rarely
//! exercises most rules). For each, the (line, code, level, message) of every `DL` finding
//! dfc makes must equal what the real hadolint binary reports for the rules dfc has, and
//! dfc's rendered output is an insta snapshot (`snapshots/hadolint_crafted__<name>.snap`).
//!
//! hadolint is looked up as `$DFC_HADOLINT`, then `target/bench-venv/bin/hadolint`, then
//! `hadolint` on `PATH`; without it the comparison is skipped with a message (the snapshots
//! are still checked). DL1001 is off by default in both tools; it is switched on in both.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use dfc::lint::output::{human_plain, FileReport};
use dfc::lint::rule::{Origin, RULES};
use dfc::lint::{lint, Context, Diagnostic, Options, Severity};
use dfc::syntax::LineIndex;

/// (line, code, level, message) of one finding.
type Finding = (u32, String, String, String);

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint/hadolint");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn hadolint() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DFC_HADOLINT") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-venv/bin/hadolint");
    if venv.exists() {
        return Some(venv);
    }
    let on_path = Command::new("hadolint").arg("--version").output();
    on_path
        .is_ok_and(|o| o.status.success())
        .then(|| PathBuf::from("hadolint"))
}

fn implemented() -> BTreeSet<&'static str> {
    RULES
        .iter()
        .filter(|r| r.origin == Origin::Hadolint)
        .map(|r| r.code)
        .collect()
}

fn dfc_findings(text: &str) -> (Vec<Diagnostic>, Vec<Finding>) {
    // `--info DL1001`, as hadolint is run: naming an off-by-default rule turns it on.
    let options = Options {
        overrides: [("DL1001".to_string(), Severity::Info)]
            .into_iter()
            .collect(),
        ..Options::default()
    };
    // A file BuildKit refuses (`ONBUILD FROM`) is still checked by the hadolint rules.
    let report = lint(text, &options, &Context::default());
    let index = LineIndex::new(text);
    let implemented = implemented();
    let diagnostics: Vec<Diagnostic> = report
        .diagnostics
        .into_iter()
        .filter(|d| implemented.contains(d.code))
        .collect();
    let mut findings: Vec<Finding> = diagnostics
        .iter()
        .map(|d| {
            (
                d.instruction_line(&index),
                d.code.to_string(),
                d.severity.as_str().to_string(),
                d.message.clone(),
            )
        })
        .collect();
    findings.sort();
    (diagnostics, findings)
}

fn hadolint_findings(binary: &Path, file: &Path) -> Vec<Finding> {
    let output = Command::new(binary)
        .args(["--no-fail", "--format", "json", "--info", "DL1001"])
        .arg(file)
        .output()
        .expect("hadolint runs");
    let json: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "hadolint output on {}: {e}\n{}",
            file.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let implemented = implemented();
    let mut findings: Vec<Finding> = json
        .iter()
        .map(|v| {
            (
                v["line"].as_u64().unwrap_or(0) as u32,
                v["code"].as_str().unwrap_or_default().to_string(),
                v["level"].as_str().unwrap_or_default().to_string(),
                v["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .filter(|f| f.1 == "DL1000" || implemented.contains(f.1.as_str()))
        .collect();
    findings.sort();
    findings
}

#[test]
fn crafted_fixtures_agree_with_hadolint() {
    let binary = hadolint();
    if binary.is_none() {
        eprintln!(
            "hadolint not found (set DFC_HADOLINT, or install it as target/bench-venv/bin/hadolint \
             or on PATH): only the snapshots are checked"
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut rendered = Vec::new();
    for file in fixtures() {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let (diagnostics, ours) = dfc_findings(&text);
        let fires = name.to_ascii_uppercase();
        assert!(
            ours.iter().any(|f| f.1 == fires),
            "{name}: {fires} does not fire on its own fixture"
        );
        if let Some(binary) = &binary {
            let theirs = hadolint_findings(binary, &file);
            compared += theirs.len();
            if ours != theirs {
                let only_theirs: Vec<_> = theirs.iter().filter(|f| !ours.contains(f)).collect();
                let only_ours: Vec<_> = ours.iter().filter(|f| !theirs.contains(f)).collect();
                failures.push(format!(
                    "{name}:\n  hadolint only: {only_theirs:#?}\n  dfc only: {only_ours:#?}"
                ));
            }
        }
        let shown = human_plain(&[FileReport {
            path: &format!("{name}.Dockerfile"),
            source: &text,
            diagnostics: &diagnostics,
        }]);
        rendered.push((name, shown));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (name, shown) in rendered {
        settings.bind(|| insta::assert_snapshot!(format!("hadolint_crafted__{name}"), shown));
    }
    if binary.is_some() {
        println!("{compared} hadolint findings matched");
    }
}

/// The live comparison over BuildKit's own test Dockerfiles (`../shared/fidelity/buildkit`,
/// which has no recorded hadolint output): per-rule agreement, printed, and every
/// disagreement listed. Files hadolint cannot parse (DL1000) or BuildKit's parser refuses
/// are left out. Slow (one hadolint run per file), so run on demand:
/// `cargo test --test lint_hadolint_crafted -- --ignored --nocapture`.
#[test]
#[ignore]
fn buildkit_corpus_agrees_with_live_hadolint() {
    let Some(binary) = hadolint() else {
        eprintln!("hadolint not found: nothing compared");
        return;
    };
    let Some(dir) = common::shared("fidelity/buildkit") else {
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("Dockerfile"))
        .filter(|p| p.exists())
        .collect();
    cases.sort();
    let mut counts: std::collections::BTreeMap<String, [usize; 3]> = Default::default();
    let mut details = Vec::new();
    let mut files = 0;
    for file in &cases {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let report = lint(&text, &Options::default(), &Context::default());
        let refused = report.error.as_ref().is_some_and(|e| e.is_parse_error)
            && report.diagnostics.iter().all(|d| !d.code.starts_with("DL"));
        let theirs = hadolint_findings(&binary, file);
        if refused || theirs.iter().any(|f| f.1 == "DL1000") {
            continue;
        }
        files += 1;
        let (_, ours) = dfc_findings(&text);
        let key = |f: &Finding| (f.0, f.1.clone());
        let ours: Vec<_> = ours.iter().map(key).collect();
        let theirs: Vec<_> = theirs.iter().map(key).collect();
        for f in ours.iter().chain(&theirs) {
            let c = counts.entry(f.1.clone()).or_default();
            match (theirs.contains(f), ours.contains(f)) {
                (true, true) => c[0] += 1,
                (true, false) => {
                    c[1] += 1;
                    details.push(format!("hadolint-only {} {}:{}", f.1, file.display(), f.0));
                }
                _ => {
                    c[2] += 1;
                    details.push(format!("dfc-only      {} {}:{}", f.1, file.display(), f.0));
                }
            }
        }
    }
    println!("{files} files compared");
    println!(
        "{:<8} {:>6} {:>14} {:>9}",
        "rule", "agree", "hadolint-only", "dfc-only"
    );
    for (code, [agree, h, d]) in &counts {
        // Findings present in both lists were counted from each side.
        println!("{code:<8} {:>6} {h:>14} {d:>9}", agree / 2);
    }
    for d in &details {
        println!("{d}");
    }
}
