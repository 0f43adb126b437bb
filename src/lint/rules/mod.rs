//! One file per rule: its [`crate::lint::rule::Rule`] description (with the user
//! documentation `dfc lint --explain` prints) and its check.

pub mod buildkit;
pub mod hadolint;
