//! Locating the read-only shared corpus (`../shared` next to the checkout).
//!
//! Tests that need it call [`fidelity_dir`]; when it is absent they skip with
//! a message, unless `DFC_REQUIRE_SHARED=1`, in which case they fail.

use std::path::PathBuf;

/// `shared/fidelity`, or `None` (after saying why) when the test should skip.
pub fn fidelity_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fidelity");
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "shared corpus not found at {}; skipping (set DFC_REQUIRE_SHARED=1 to make this fatal)",
        dir.display()
    );
    if std::env::var("DFC_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("{msg}");
    }
    eprintln!("{msg}");
    None
}

/// Every `<set>/<case>/reference.llb` under `fidelity`, sorted.
pub fn reference_cases(fidelity: &std::path::Path) -> Vec<PathBuf> {
    let mut cases = Vec::new();
    let Ok(sets) = std::fs::read_dir(fidelity) else {
        return cases;
    };
    for set in sets.flatten() {
        let Ok(entries) = std::fs::read_dir(set.path()) else {
            continue;
        };
        for case in entries.flatten() {
            if case.path().join("reference.llb").is_file() {
                cases.push(case.path());
            }
        }
    }
    cases.sort();
    cases
}
