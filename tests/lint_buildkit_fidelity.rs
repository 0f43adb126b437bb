//! dfc's BuildKit checks against BuildKit's own results (`buildkit-lint.json` of every
//! dev/ and buildkit/ case in `../shared/fidelity`): per-rule precision and recall over
//! (rule, line), where line is the first line of the instruction the finding is
//! attached to, as BuildKit reports it.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use dfc::lint::{lint, rule, Context, Options};
use dfc::syntax::LineIndex;

#[derive(Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn reference(dir: &Path) -> Option<Vec<(String, u32)>> {
    let text = std::fs::read_to_string(dir.join("buildkit-lint.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(
        v.as_array()?
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or(0) as u32,
                )
            })
            .collect(),
    )
}

fn ours(dir: &Path) -> Vec<(String, u32)> {
    let bytes = std::fs::read(dir.join("Dockerfile")).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let options = Options {
        experimental: true,
        ..Options::default()
    };
    let report = lint(&text, &options, &Context::default());
    let index = LineIndex::new(&text);
    report
        .diagnostics
        .iter()
        .filter(|d| rule::find(d.code).is_some_and(|r| r.origin == rule::Origin::BuildKit))
        .map(|d| (d.code.to_string(), d.instruction_line(&index)))
        .collect()
}

#[test]
fn buildkit_checks_agree_with_buildkit() {
    let Some(root) = common::shared("fidelity") else {
        return;
    };
    let mut per_rule: BTreeMap<String, Counts> = BTreeMap::new();
    let mut docs_failures = Vec::new();
    let mut cases = 0;
    for group in ["dev", "buildkit"] {
        let mut dirs: Vec<_> = std::fs::read_dir(root.join(group))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for dir in dirs {
            let Some(mut expected) = reference(&dir) else {
                continue;
            };
            cases += 1;
            let got = ours(&dir);
            let mut unmatched = got.clone();
            for e in expected.drain(..) {
                let c = per_rule.entry(e.0.clone()).or_default();
                if let Some(i) = unmatched.iter().position(|g| *g == e) {
                    unmatched.swap_remove(i);
                    c.tp += 1;
                } else {
                    c.fn_ += 1;
                    if std::env::var_os("DFC_LINT_VERBOSE").is_some() {
                        eprintln!("missed {} line {} in {}", e.0, e.1, dir.display());
                    }
                }
            }
            for g in unmatched {
                per_rule.entry(g.0.clone()).or_default().fp += 1;
                if std::env::var_os("DFC_LINT_VERBOSE").is_some() {
                    eprintln!("extra {} line {} in {}", g.0, g.1, dir.display());
                }
            }
            // docs__<rule>__NN-bad fires its rule, -good stays clean of it.
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            if let Some(rest) = name.strip_prefix("docs__") {
                let slug = rest.split("__").next().unwrap_or_default();
                let rule = dfc::lint::RULES
                    .iter()
                    .find(|r| r.url.contains(&format!("/{slug}/")));
                if let Some(rule) = rule {
                    let fired = got.iter().any(|g| g.0 == rule.code);
                    let want = reference(&dir).unwrap().iter().any(|e| e.0 == rule.code);
                    if fired != want {
                        docs_failures.push(name.clone());
                    }
                }
            }
        }
    }
    println!("{cases} cases");
    println!(
        "{:<34} {:>5} {:>5} {:>5} {:>9} {:>7}",
        "rule", "tp", "fp", "fn", "precision", "recall"
    );
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for (rule, c) in &per_rule {
        let p = c.tp as f64 / (c.tp + c.fp).max(1) as f64;
        let r = c.tp as f64 / (c.tp + c.fn_).max(1) as f64;
        println!(
            "{rule:<34} {:>5} {:>5} {:>5} {:>8.1}% {:>6.1}%",
            c.tp,
            c.fp,
            c.fn_,
            p * 100.0,
            r * 100.0
        );
        tp += c.tp;
        fp += c.fp;
        fn_ += c.fn_;
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "{:<34} {tp:>5} {fp:>5} {fn_:>5} {:>8.1}% {:>6.1}%",
        "all",
        precision * 100.0,
        recall * 100.0
    );
    println!("docs cases disagreeing with BuildKit: {docs_failures:?}");
    assert!(
        docs_failures.is_empty(),
        "docs cases disagree: {docs_failures:?}"
    );
    // Every rule must meet the 98% precision and recall.
    for (rule, c) in &per_rule {
        let p = c.tp as f64 / (c.tp + c.fp).max(1) as f64;
        let r = c.tp as f64 / (c.tp + c.fn_).max(1) as f64;
        assert!(
            p >= 0.98 && r >= 0.98,
            "{rule}: precision {p:.3}, recall {r:.3}"
        );
    }
}

/// Where BuildKit's check stops with an error (`buildkit-lint-error.txt`: a parse or
/// conversion error, or `error=true` with findings), dfc stops with the same message; where
/// BuildKit does not, neither does dfc.
#[test]
fn lint_errors_agree_with_buildkit() {
    let Some(root) = common::shared("fidelity") else {
        return;
    };
    let options = Options {
        experimental: true,
        ..Options::default()
    };
    let (mut cases, mut errors) = (0, 0);
    let mut failures = Vec::new();
    for group in ["dev", "buildkit"] {
        let mut dirs: Vec<_> = std::fs::read_dir(root.join(group))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for dir in dirs {
            if !dir.join("buildkit-lint.json").is_file() {
                continue;
            }
            cases += 1;
            let expected = std::fs::read_to_string(dir.join("buildkit-lint-error.txt"))
                .ok()
                .map(|t| t.trim_end_matches('\n').to_string());
            errors += usize::from(expected.is_some());
            let bytes = std::fs::read(dir.join("Dockerfile")).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let got = lint(&text, &options, &Context::default())
                .error
                .map(|e| e.message);
            if got != expected {
                failures.push(format!(
                    "{}: BuildKit {expected:?}, dfc {got:?}",
                    dir.display()
                ));
            }
        }
    }
    println!(
        "{cases} cases, {errors} BuildKit errors, {} disagreements",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
