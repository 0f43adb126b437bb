//! Unit tests of the typed layer on hand-built nodes (see [`super::testutil`]).
//!
//! `instructions`: every instruction, its errors in BuildKit's wording and order.
//! `run_copy`: RUN, COPY and ADD in detail. `build`: stages, meta args, error
//! collection, JSON and diagnostics. `fuzz`: arbitrary nodes never panic.

mod build;
mod fuzz;
mod instructions;
mod run_copy;

use super::testutil::node;
use super::*;

pub(super) fn parse(line: &str) -> Result<Parsed, String> {
    parse_instruction(&node(line)).map_err(|e| e.to_string())
}

pub(super) fn instruction(line: &str) -> Instruction {
    match parse(line) {
        Ok(Parsed::Instruction(i)) => i,
        other => panic!("{line:?}: {other:?}"),
    }
}

pub(super) fn error(line: &str) -> String {
    match parse(line) {
        Err(e) => e,
        Ok(p) => panic!("{line:?} parsed: {p:?}"),
    }
}

pub(super) fn values(items: &[Spanned<String>]) -> Vec<&str> {
    items.iter().map(|s| s.value.as_str()).collect()
}
