//! BuildKit's own shell-lexer tables (`envVarTest`, `wordsTest`) run against `dfc::shell`.
//!
//! The formats are described in `../shared/corpus/README.md`. Every line is checked and all
//! failures are reported together (line, input, expected, got) before the test fails.

mod common;

use std::fmt::Write as _;

use dfc::shell::{EnvMap, Lexer};

fn read_table(rel: &str) -> Option<String> {
    let path = common::shared(rel)?;
    Some(
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
}

fn report(name: &str, checked: usize, failures: &[String]) {
    assert!(checked > 0, "{name}: no line was checked");
    assert!(
        failures.is_empty(),
        "{name}: {} of {checked} lines failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{name}: {checked} lines passed");
}

#[test]
fn buildkit_env_var_table() {
    let Some(table) = read_table("corpus/buildkit-shell/envVarTest") else {
        return;
    };
    let env = EnvMap::new()
        .with("PWD", "/home")
        .with("SHELL", "bash")
        .with("KOREAN", "한국어")
        .with("NULL", "");
    let lexer = Lexer::new('\\');
    let (mut checked, mut skipped_windows) = (0, 0);
    let mut failures = Vec::new();
    for (index, line) in table.lines().enumerate() {
        let line_no = index + 1;
        if line.starts_with('#') {
            continue;
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        let [platform, input, expected] = fields[..] else {
            failures.push(format!("line {line_no}: not 3 fields: {line:?}"));
            continue;
        };
        let (platform, input, expected) = (platform.trim(), input.trim(), expected.trim());
        match platform {
            "A" | "U" => {}
            "W" => {
                skipped_windows += 1;
                continue;
            }
            other => {
                failures.push(format!("line {line_no}: unknown platform {other:?}"));
                continue;
            }
        }
        checked += 1;
        let got = lexer.process_word(input, &env);
        let ok = match (&got, expected) {
            (Err(_), "error") => true,
            (Ok(word), expected) => expected != "error" && word == expected,
            (Err(_), _) => false,
        };
        if !ok {
            let got = match got {
                Ok(word) => format!("{word:?}"),
                Err(e) => format!("error: {e}"),
            };
            failures.push(format!(
                "line {line_no}: input {input:?}: expected {expected:?}, got {got}"
            ));
        }
    }
    eprintln!("envVarTest: {skipped_windows} Windows-only lines skipped");
    report("envVarTest", checked, &failures);
    assert_eq!(checked, 228, "envVarTest: unexpected number of A/U lines");
}

#[test]
fn buildkit_words_table() {
    let Some(table) = read_table("corpus/buildkit-shell/wordsTest") else {
        return;
    };
    let lexer = Lexer::new('\\');
    let mut env = EnvMap::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (index, line) in table.lines().enumerate() {
        let line_no = index + 1;
        if line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("ENV ") {
            let entry = rest.trim_start_matches(' ');
            let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
            env.set(name, value);
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        let [input, expected] = fields[..] else {
            failures.push(format!("line {line_no}: not exactly one '|': {line:?}"));
            continue;
        };
        let input = input.trim();
        let expected: Vec<&str> = expected.trim_start_matches(' ').split(',').collect();
        checked += 1;
        let got = match lexer.process_words(input, &env) {
            Ok(words) => words,
            Err(_) => vec!["error".to_owned()],
        };
        if got != expected {
            let mut msg = String::new();
            let _ = write!(
                msg,
                "line {line_no}: input {input:?}: expected {expected:?}, got {got:?}"
            );
            failures.push(msg);
        }
    }
    report("wordsTest", checked, &failures);
    assert_eq!(checked, 24, "wordsTest: unexpected number of test lines");
}
