//! `dfc lint --fix`: the fixed text of a fixture with every fixable finding (insta
//! snapshot), a second run finds nothing left to fix, and the fixes that claim to keep
//! the meaning do: over the shared corpus, every file the safe fixes change compiles to
//! the same LLB ops (so the same digests) and image config bytes as before; only the op
//! metadata that quotes each instruction as written differs. The exec-form fix of
//! JSONArgsRecommended / DL3025 changes the image on purpose: over the corpus, its
//! Cmd/Entrypoint become exactly the words `/bin/sh -c` would have run, and nothing else
//! in the config changes; commands with shell syntax are left alone. `--format json` and
//! `sarif` carry the fixes (insta snapshots).

mod common;

use std::path::Path;

use dfc::lint::fix::{apply, fix};
use dfc::lint::rule::{Fixable, RULES};
use dfc::lint::{lint, Context, Options};
use dfc::lower::{compile, CompileOptions, LayoutResolver};

/// Rules whose fix is meant to change the image: MAINTAINER's author field becomes a
/// label; CMD / ENTRYPOINT lose `/bin/sh -c` (checked by `exec_form_fix_runs_the_words_the_shell_ran`).
const CHANGES_IMAGE: &[&str] = &[
    "MaintainerDeprecated",
    "DL4000",
    "JSONArgsRecommended",
    "DL3025",
];

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
    // `echo` is a shell builtin: the exec-form fix leaves this CMD alone.
    let text = "FROM alpine:3.20 as build\nENV A 1\nCMD echo run\n";
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
        " CMD echo run\n",
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
    assert_eq!(fixed, "FROM alpine:3.20 AS build\nENV A=1\nCMD echo run\n");
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

/// Only the exec-form fix.
fn json_args_only() -> Options {
    Options {
        select: Some(
            ["JSONArgsRecommended", "DL3025"]
                .iter()
                .map(|c| c.to_string())
                .collect(),
        ),
        ..Options::default()
    }
}

/// The image config of `text` (a `FROM scratch` file needs no base image).
fn scratch_config(text: &str) -> serde_json::Value {
    let resolver = LayoutResolver::new(std::env::temp_dir().join("dfc-no-layout"));
    let compiled = compile(text, &CompileOptions::default(), &resolver).unwrap();
    serde_json::from_str(&compiled.image.to_json()).unwrap()
}

#[test]
fn exec_form_fix_runs_the_words_the_shell_ran() {
    let sh = |t: &str| serde_json::json!(["/bin/sh", "-c", t]);
    for (escape, body, key, command) in [
        ('\\', "CMD", "Cmd", "nginx -g daemon-off --x=1"),
        ('\\', "CMD", "Cmd", "/usr/bin/app\t--port=8080  a,b:c@d%e+f"),
        ('`', "CMD", "Cmd", "./run.sh serve"),
        ('\\', "ENTRYPOINT", "Entrypoint", "my-app start"),
    ] {
        let text = format!("# escape={escape}\nFROM scratch\n{body} {command}\n");
        let fixed = fix(&text, &json_args_only(), &Context::default()).unwrap();
        assert_eq!(fixed.fixed.values().sum::<usize>(), 2, "{}", fixed.text);
        let words: Vec<&str> = command.split_whitespace().collect();
        let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
        let json = format!("[{}]", quoted.join(", "));
        assert_eq!(
            fixed.text,
            format!("# escape={escape}\nFROM scratch\n{body} {json}\n")
        );
        let (mut before, mut after) = (scratch_config(&text), scratch_config(&fixed.text));
        assert_eq!(before["config"][key], sh(command));
        assert_eq!(after["config"][key], serde_json::json!(words));
        // Nothing else in the config changes.
        before["config"].as_object_mut().unwrap().remove(key);
        after["config"].as_object_mut().unwrap().remove(key);
        assert_eq!(before["config"], after["config"]);
    }
}

#[test]
fn exec_form_fix_leaves_shell_syntax_alone() {
    for body in [
        "CMD echo $HOME",
        "CMD app ${X}",
        "CMD a && b",
        "CMD a; b",
        "CMD a | b",
        "CMD a > out",
        "CMD \"quoted arg\"",
        "CMD 'quoted arg'",
        "CMD ls *.txt",
        "CMD ls file?",
        "CMD ls [ab]",
        "CMD ~/bin/app",
        "CMD A=1 app",
        "CMD app \\\n  --flag",
        "CMD app\\ x",
        "CMD (app)",
        "CMD { app; }",
        "CMD ! app",
        "CMD app #comment",
        "CMD app `id`",
        "CMD app ^x",
        "CMD cd /tmp",
        "CMD exec app",
        "CMD echo hi",
        "CMD true",
        "CMD . ./env",
        "CMD if",
        "CMD",
        "ENTRYPOINT app\nCMD arg",
        "CMD arg\nENTRYPOINT app",
        "ENTRYPOINT [\"app\"]\nCMD arg",
        "ENTRYPOINT app\nFROM scratch\nCMD [\"x\"]",
        "SHELL [\"/bin/bash\", \"-c\"]\nCMD app",
    ] {
        let text = format!("FROM scratch\n{body}\n");
        let fixed = fix(&text, &json_args_only(), &Context::default()).unwrap();
        assert_eq!(fixed.text, text, "{body:?} must not be rewritten");
    }
    // With the backtick as escape character, a backslash is still the shell's.
    let text = "# escape=`\nFROM scratch\nCMD app a\\b\n";
    let fixed = fix(text, &json_args_only(), &Context::default()).unwrap();
    assert_eq!(fixed.text, text);
}

#[test]
fn exec_form_fix_over_the_corpus_changes_only_cmd_and_entrypoint() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let resolver = LayoutResolver::new(shared.join("fixtures/busybox-oci"));
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
            let fixed = match fix(&text, &json_args_only(), &Context::default()) {
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
            let after = match compile(&fixed.text, &CompileOptions::default(), &resolver) {
                Ok(after) => after,
                Err(e) => {
                    failures.push(format!("{}: fixed file fails: {e}", case.display()));
                    continue;
                }
            };
            compared += 1;
            if before.definition.def != after.definition.def {
                failures.push(format!("{}: LLB ops changed", case.display()));
            }
            let config = |c: &dfc::lower::Compiled| -> serde_json::Value {
                serde_json::from_str::<serde_json::Value>(&c.image.to_json()).unwrap()["config"]
                    .clone()
            };
            let (mut b, mut a) = (config(&before), config(&after));
            for key in ["Cmd", "Entrypoint"] {
                let (was, now) = (b[key].take(), a[key].take());
                if was == now {
                    continue;
                }
                // The shell form's `/bin/sh -c TEXT` becomes TEXT's words.
                let words = match was.as_array().map(Vec::as_slice) {
                    Some([s, c, t]) if s == "/bin/sh" && c == "-c" => t
                        .as_str()
                        .unwrap()
                        .split_whitespace()
                        .map(serde_json::Value::from)
                        .collect::<Vec<_>>(),
                    _ => {
                        failures.push(format!(
                            "{}: {key} {was} was not shell form",
                            case.display()
                        ));
                        continue;
                    }
                };
                if now != serde_json::Value::from(words) {
                    failures.push(format!("{}: {key} {was} became {now}", case.display()));
                }
            }
            if a != b {
                failures.push(format!(
                    "{}: more than Cmd/Entrypoint changed",
                    case.display()
                ));
            }
        }
    }
    println!(
        "corpus files changed by the exec-form fix: {changed}; compiled and compared: {compared}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 10, "the corpus exercises the fix ({compared})");
}

/// `--format json` / `sarif` of the fixture: each fixable finding carries its edits.
#[test]
fn machine_formats_carry_the_fixes() {
    use dfc::lint::output::{json, sarif, FileReport};
    let text = fixture("all.Dockerfile");
    let report = lint(&text, &Options::default(), &Context::default());
    let files = [FileReport {
        path: "all.Dockerfile",
        source: &text,
        diagnostics: &report.diagnostics,
    }];
    let (json, sarif) = (
        json(&files),
        sarif(&files).replace(env!("CARGO_PKG_VERSION"), "VERSION"),
    );
    // Every finding with a fix, and only those, has one in both formats.
    let fixable = report
        .diagnostics
        .iter()
        .filter(|d| d.fix.is_some())
        .count();
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let with_fix = parsed
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("fix").is_some());
    assert_eq!(with_fix.count(), fixable);
    let parsed: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = parsed["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.iter().filter(|r| r.get("fixes").is_some()).count(),
        fixable
    );
    assert!(fixable >= 8, "{fixable}");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!("fix__all_json", json);
        insta::assert_snapshot!("fix__all_sarif", sarif);
    });
}

/// Applying the edits as the JSON output positions them gives what `--fix` writes
/// (one round: each edit replaced at its line and column).
#[test]
fn json_edit_positions_reproduce_the_fix() {
    use dfc::lint::output::{json, FileReport};
    let text = "FROM alpine:3.20 as build\nENV A 1\nCMD serve --port=80\n";
    let report = lint(text, &Options::default(), &Context::default());
    let files = [FileReport {
        path: "Dockerfile",
        source: text,
        diagnostics: &report.diagnostics,
    }];
    let parsed: serde_json::Value = serde_json::from_str(&json(&files)).unwrap();
    let mut edits: Vec<(usize, usize, usize, usize, String)> = Vec::new();
    for f in parsed.as_array().unwrap() {
        for e in f["fix"]["edits"].as_array().into_iter().flatten() {
            let n = |k: &str| e[k].as_u64().unwrap() as usize;
            let edit = (
                n("line"),
                n("column"),
                n("end_line"),
                n("end_column"),
                e["replacement"].as_str().unwrap().to_string(),
            );
            if !edits.contains(&edit) {
                edits.push(edit);
            }
        }
    }
    // Character offsets of line:column, applied from the end.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let offset = |line: usize, column: usize| -> usize {
        lines[..line - 1].iter().map(|l| l.len()).sum::<usize>()
            + lines[line - 1]
                .chars()
                .take(column - 1)
                .map(char::len_utf8)
                .sum::<usize>()
    };
    edits.sort();
    let mut out = text.to_string();
    for (l, c, el, ec, r) in edits.iter().rev() {
        out.replace_range(offset(*l, *c)..offset(*el, *ec), r);
    }
    let fixed = fix(text, &Options::default(), &Context::default()).unwrap();
    assert_eq!(out, fixed.text);
    assert_eq!(
        out,
        "FROM alpine:3.20 AS build\nENV A=1\nCMD [\"serve\", \"--port=80\"]\n"
    );
}
