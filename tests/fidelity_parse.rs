//! The typed layer against BuildKit's verdicts on the fidelity corpus.
//!
//! For every `../shared/fidelity/{dev,buildkit}/<case>/Dockerfile`: when BuildKit failed
//! while parsing (`error.txt` holds a parse-stage message: `dockerfile parse error ...`,
//! a parser error without that prefix, `no build stage in current context`), syntax + ast
//! must report an error, ideally the same message; for every other case (LLB produced, or
//! BuildKit failed later, while converting) they must report none. Prints the counts and
//! every mismatch; fails on a wrong verdict, not on a differently worded message.

mod common;

use std::fs;
use std::path::Path;

/// BuildKit messages raised before LLB conversion starts (parser and instructions.Parse).
const PARSE_STAGE_PREFIXES: &[&str] = &[
    "dockerfile parse error",
    "file with no instructions",
    "the Dockerfile cannot be empty",
    "no build stage in current context",
    "ENV must have two arguments",
    "LABEL must have two arguments",
    "Syntax error - can't find = in",
    "when using JSON array syntax",
    "unterminated heredoc",
    "invalid escape token",
    "only one ",
    "dockerfile line greater than max allowed size",
];

#[derive(Default)]
struct Tally {
    cases: usize,
    expect_error: usize,
    got_error: usize,
    exact: usize,
    ast_errors_expected: usize,
    ast_exact: usize,
    wrong_verdict: Vec<String>,
    other_message: Vec<String>,
}

/// Our first error, worded as BuildKit prints it; `None` when the file is clean.
/// The second value says whether it came from the typed layer.
fn first_error(text: &str) -> Option<(String, bool)> {
    let err = dfc::parse(text).err()?;
    let first = err.first_buildkit_error()?;
    Some((
        err.buildkit_message(text),
        matches!(first, dfc::FileError::Ast(_)),
    ))
}

fn check_case(dir: &Path, tally: &mut Tally) {
    let Ok(bytes) = fs::read(dir.join("Dockerfile")) else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    let expected = fs::read_to_string(dir.join("error.txt"))
        .ok()
        .map(|e| e.trim_end().to_string())
        .filter(|e| PARSE_STAGE_PREFIXES.iter().any(|p| e.starts_with(p)));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tally.cases += 1;
    let got = first_error(&text);
    if expected.is_some() {
        tally.expect_error += 1;
    }
    if got.is_some() {
        tally.got_error += 1;
    }
    match (&expected, &got) {
        (None, None) => {}
        (Some(want), Some((have, from_ast))) => {
            let is_ast_error = !want.starts_with("file with")
                && !want.starts_with("the Dockerfile")
                && (want.starts_with("dockerfile parse error") || want.starts_with("no build"));
            if is_ast_error {
                tally.ast_errors_expected += 1;
            }
            if want == have {
                tally.exact += 1;
                if is_ast_error && *from_ast {
                    tally.ast_exact += 1;
                }
            } else {
                tally.other_message.push(format!(
                    "{name}\n      buildkit: {want}\n      dfc:      {have}"
                ));
            }
        }
        (Some(want), None) => tally
            .wrong_verdict
            .push(format!("{name}: no error, BuildKit says: {want}")),
        (None, Some((have, _))) => tally
            .wrong_verdict
            .push(format!("{name}: unexpected error: {have}")),
    }
}

fn run_set(root: &Path, set: &str) -> Tally {
    let mut tally = Tally::default();
    let Ok(entries) = fs::read_dir(root.join(set)) else {
        return tally;
    };
    let mut dirs: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        check_case(dir, &mut tally);
    }
    let t = &tally;
    eprintln!(
        "{set}: {} cases; BuildKit parse-stage errors {}, dfc errors {}; same message {} \
         (typed-layer errors: {} expected, {} exact); wrong verdicts {}",
        t.cases,
        t.expect_error,
        t.got_error,
        t.exact,
        t.ast_errors_expected,
        t.ast_exact,
        t.wrong_verdict.len()
    );
    for m in &t.wrong_verdict {
        eprintln!("  WRONG {m}");
    }
    for m in &t.other_message {
        eprintln!("  MESSAGE {m}");
    }
    tally
}

#[test]
fn fidelity_corpus_verdicts() {
    let Some(root) = common::shared("fidelity") else {
        return;
    };
    let dev = run_set(&root, "dev");
    let buildkit = run_set(&root, "buildkit");
    assert!(
        dev.cases > 0 && buildkit.cases > 0,
        "no cases under {}",
        root.display()
    );
    assert!(
        dev.wrong_verdict.is_empty() && buildkit.wrong_verdict.is_empty(),
        "{} wrong verdicts (see above)",
        dev.wrong_verdict.len() + buildkit.wrong_verdict.len()
    );
}
