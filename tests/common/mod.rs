//! Helpers shared by the integration tests: where `../shared` is, and skipping without it.
#![allow(dead_code)]

use std::path::PathBuf;

/// The read-only `../shared` folder beside the project, or `None` when this clone has none.
///
/// With `DFC_REQUIRE_SHARED=1` (set by `.ci/run`) a missing folder is a failure, not a skip.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("DFC_REQUIRE_SHARED").is_some_and(|v| v == "1") {
        panic!(
            "../shared is missing at {} and DFC_REQUIRE_SHARED=1: the corpora must be beside the project",
            dir.display()
        );
    }
    eprintln!(
        "skipping: ../shared (corpora and fixtures) is not beside this clone at {}",
        dir.display()
    );
    None
}

/// `shared_dir()/rel`, or `None` to skip.
pub fn shared(rel: &str) -> Option<PathBuf> {
    shared_dir().map(|d| d.join(rel))
}
