//! `dfc lint --fix`: the fixed text of a fixture with every fixable finding (insta
//! snapshot), a second run finds nothing left to fix, and the fixes that claim to keep
//! the meaning do: over the shared corpus, every file the safe fixes change compiles to
//! the same LLB ops (so the same digests) and image config bytes as before; only the op
//! metadata that quotes each instruction as written differs.

mod common;

use std::path::Path;

use dfc::lint::fix::{apply, fix};
use dfc::lint::rule::{Fixable, RULES};
use dfc::lint::{lint, Context, Options};
use dfc::lower::{compile, CompileOptions, LayoutResolver};

/// Rules whose fix is meant to change the image (MAINTAINER's author field becomes a label).
const CHANGES_IMAGE: &[&str] = &["MaintainerDeprecated", "DL4000"];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint/fix")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn fixes_every_fixable_finding_of_the_fixture() {
    let text = fixture("all.Dockerfile");
    let fixed = fix(&text, &Options::default(), &Context::default()).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("fix__all", fixed.text));
    // Every rule that says it is fixable fixed something here.
    for rule in RULES.iter().filter(|r| r.fixable == Fixable::Yes) {
        assert!(
            fixed.fixed.contains_key(rule.code),
            "{} has a fix but the fixture does not exercise it",
            rule.code
        );
    }
    // Nothing fixable is left, and fixing again changes nothing.
    let after = lint(&fixed.text, &Options::default(), &Context::default());
    assert!(after.error.is_none(), "{:?}", after.error);
    assert!(
        after.diagnostics.iter().all(|d| d.fix.is_none()),
        "{:?}",
        after.diagnostics
    );
    let again = fix(&fixed.text, &Options::default(), &Context::default()).unwrap();
    assert_eq!(again.text, fixed.text);
    assert!(again.fixed.is_empty());
}

#[test]
fn an_edit_whose_text_moved_is_not_applied() {
    let text = "FROM alpine:3.20 as build\n";
    let report = lint(text, &Options::default(), &Context::default());
    assert!(report.diagnostics.iter().any(|d| d.fix.is_some()));
    // The same findings against a text that changed under them: nothing is applied.
    let moved = "FROM alpine:3.20  as build\n";
    let (out, fixed) = apply(moved, &report.diagnostics);
    assert_eq!(out, moved);
    assert!(fixed.is_empty());
}

#[test]
fn safe_fixes_keep_the_llb_of_the_corpus() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let resolver = LayoutResolver::new(shared.join("fixtures/busybox-oci"));
    let safe = Options {
        ignore: CHANGES_IMAGE.iter().map(|c| c.to_string()).collect(),
        ..Options::default()
    };
    let (mut changed, mut compared) = (0, 0);
    let mut failures = Vec::new();
    for corpus in ["fidelity/dev", "fidelity/buildkit"] {
        let mut cases: Vec<_> = std::fs::read_dir(shared.join(corpus))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let Ok(bytes) = std::fs::read(case.join("Dockerfile")) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let fixed = match fix(&text, &safe, &Context::default()) {
                Ok(f) => f,
                Err(e) => {
                    failures.push(format!("{}: {e}", case.display()));
                    continue;
                }
            };
            if fixed.text == text {
                continue;
            }
            changed += 1;
            let Ok(before) = compile(&text, &CompileOptions::default(), &resolver) else {
                continue;
            };
            compared += 1;
            match compile(&fixed.text, &CompileOptions::default(), &resolver) {
                Ok(after) => {
                    // The ops (hence every digest) and the image config; op metadata
                    // quotes the instruction as written, so it follows the new text.
                    let same = before.definition.def == after.definition.def
                        && before.image.to_json() == after.image.to_json();
                    if !same {
                        failures.push(format!(
                            "{}: LLB changed by {:?}",
                            case.display(),
                            fixed.fixed
                        ));
                    }
                }
                Err(e) => failures.push(format!("{}: fixed file fails: {e}", case.display())),
            }
        }
    }
    println!("corpus files changed by safe fixes: {changed}; compiled and compared: {compared}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        compared >= 50,
        "the corpus exercises the fixes ({compared})"
    );
}

fn dfc(dir: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .current_dir(dir)
        .env("HOME", dir)
        .arg("lint")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn cli_diff_prints_and_fix_writes_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    let text = "FROM alpine:3.20 as build\nENV A 1\nCMD run\n";
    std::fs::write(&path, text).unwrap();

    let out = dfc(dir.path(), &["--diff", "Dockerfile"], None);
    assert_eq!(out.status.code(), Some(1), "a diff to show is exit 1");
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n"),
        "{diff}"
    );
    for line in [
        "-FROM alpine:3.20 as build\n",
        "+FROM alpine:3.20 AS build\n",
        "-ENV A 1\n",
        "+ENV A=1\n",
        " CMD run\n",
    ] {
        assert!(diff.contains(line), "{line:?} in {diff}");
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "--diff writes nothing"
    );

    let out = dfc(
        dir.path(),
        &["--fix", "--format", "json", "Dockerfile"],
        None,
    );
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(fixed, "FROM alpine:3.20 AS build\nENV A=1\nCMD run\n");
    let left: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = left
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"JSONArgsRecommended"),
        "what is not fixable is still reported: {codes:?}"
    );
    assert!(!codes.contains(&"FromAsCasing"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("fixed FromAsCasing ×1, LegacyKeyValueFormat ×1"));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().count() == 1,
        "no temporary file left behind"
    );

    // Nothing left to fix: --diff prints nothing and exits 0.
    let out = dfc(
        dir.path(),
        &["--diff", "--ignore", "JSONArgsRecommended", "Dockerfile"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());

    // Standard input: the fixed text goes to standard output.
    let out = dfc(
        dir.path(),
        &["--fix", "-"],
        Some("from alpine:3.20 AS x\nrun true\n"),
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "from alpine:3.20 as x\nrun true\n"
    );
}

#[test]
fn maintainer_fix_moves_the_author_text_into_the_label() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let resolver = LayoutResolver::new(shared.join("fixtures/busybox-oci"));
    let config = |text: &str| -> serde_json::Value {
        let compiled = compile(text, &CompileOptions::default(), &resolver).unwrap();
        serde_json::from_str(&compiled.image.to_json()).unwrap()
    };
    for escape in ['\\', '`'] {
        let text = format!(
            "# escape={escape}\nFROM busybox\nMAINTAINER Jane {escape}x \"JD\" $HOME\nENV A hello {escape} world\n"
        );
        let fixed = fix(&text, &Options::default(), &Context::default()).unwrap();
        let (before, after) = (config(&text), config(&fixed.text));
        let author = before["author"].as_str().unwrap();
        assert_eq!(author, format!("Jane {escape}x \"JD\" $HOME"));
        assert_eq!(
            after["config"]["Labels"]["org.opencontainers.image.authors"].as_str(),
            Some(author),
            "{}",
            fixed.text
        );
        assert_eq!(before["config"]["Env"], after["config"]["Env"]);
    }
}
