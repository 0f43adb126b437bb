//! hadolint agreement: for every `DL` rule dfc implements, the (code, line) pairs dfc
//! reports on `../shared/fidelity/dev/*/Dockerfile` against hadolint 2.15.1's own output
//! (`hadolint.json` beside each file). Prints a per-rule table (agree / hadolint-only /
//! dfc-only) and fails when a rule agrees on less than 90% of its findings.
//!
//! Disagreements where hadolint is wrong are listed, with the reason, in
//! `tests/fixtures/lint/hadolint-disagreements.toml`; they count as agreement, and a listed
//! one that no longer occurs is an error (the list stays exact).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use dfc::lint::rule::{Origin, RULES};
use dfc::lint::{lint, Context, Options};
use dfc::syntax::LineIndex;

/// (case, code, line) of the documented disagreements.
fn documented() -> BTreeSet<(String, String, u32)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lint/hadolint-disagreements.toml"
    );
    let text = std::fs::read_to_string(path).expect("disagreements file");
    let table: toml::Table = text.parse().expect("valid TOML");
    let mut out = BTreeSet::new();
    for entry in table
        .get("disagreement")
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
    {
        let field = |k: &str| entry.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        assert!(
            !field("reason").is_empty(),
            "every disagreement has a reason"
        );
        let line = entry.get("line").and_then(|v| v.as_integer()).unwrap_or(0);
        out.insert((
            field("case").to_string(),
            field("code").to_string(),
            line as u32,
        ));
    }
    out
}

#[derive(Default)]
struct Counts {
    agree: usize,
    hadolint_only: usize,
    dfc_only: usize,
    documented: usize,
}

#[test]
fn hadolint_agreement_per_rule() {
    let Some(dev) = common::shared("fidelity/dev") else {
        return;
    };
    let implemented: BTreeSet<&str> = RULES
        .iter()
        .filter(|r| r.origin == Origin::Hadolint)
        .map(|r| r.code)
        .collect();
    let documented = documented();
    let mut used = BTreeSet::new();
    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut details = Vec::new();
    let mut cases: Vec<_> = std::fs::read_dir(&dev)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    for case in cases {
        let Ok(reference) = std::fs::read_to_string(case.join("hadolint.json")) else {
            continue;
        };
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected: BTreeSet<(String, u32)> =
            serde_json::from_str::<Vec<serde_json::Value>>(&reference)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| Some((v["code"].as_str()?.to_string(), v["line"].as_u64()? as u32)))
                .filter(|(c, _)| implemented.contains(c.as_str()))
                .collect();
        let text =
            String::from_utf8_lossy(&std::fs::read(case.join("Dockerfile")).unwrap()).into_owned();
        let report = lint(&text, &Options::default(), &Context::default());
        let index = LineIndex::new(&text);
        let actual: BTreeSet<(String, u32)> = report
            .diagnostics
            .iter()
            .filter(|d| implemented.contains(d.code))
            .map(|d| (d.code.to_string(), d.instruction_line(&index)))
            .collect();
        for (code, line) in expected.union(&actual) {
            let c = counts
                .entry(implemented.get(code.as_str()).unwrap())
                .or_default();
            let key = (name.clone(), code.clone(), *line);
            match (
                expected.contains(&(code.clone(), *line)),
                actual.contains(&(code.clone(), *line)),
            ) {
                (true, true) => c.agree += 1,
                _ if documented.contains(&key) => {
                    c.documented += 1;
                    used.insert(key);
                }
                (true, false) => {
                    c.hadolint_only += 1;
                    details.push(format!("  hadolint-only {code} {name}:{line}"));
                }
                _ => {
                    c.dfc_only += 1;
                    details.push(format!("  dfc-only      {code} {name}:{line}"));
                }
            }
        }
    }
    println!(
        "{:<8} {:>6} {:>10} {:>14} {:>9} {:>7}",
        "rule", "agree", "documented", "hadolint-only", "dfc-only", "rate"
    );
    let mut failing = Vec::new();
    for (code, c) in &counts {
        let total = c.agree + c.documented + c.hadolint_only + c.dfc_only;
        let rate = 100.0 * (c.agree + c.documented) as f64 / total.max(1) as f64;
        println!(
            "{code:<8} {:>6} {:>10} {:>14} {:>9} {rate:>6.1}%",
            c.agree, c.documented, c.hadolint_only, c.dfc_only
        );
        if rate < 90.0 {
            failing.push(*code);
        }
    }
    for d in &details {
        println!("{d}");
    }
    let stale: Vec<_> = documented.difference(&used).collect();
    assert!(
        stale.is_empty(),
        "documented disagreements that no longer occur: {stale:?}"
    );
    assert!(
        failing.is_empty(),
        "rules below 90% agreement with hadolint: {failing:?}"
    );
}
