//! dfc: a Dockerfile frontend compiler, linter and LLB toolchain.
//!
//! The pipeline is `syntax` (text → line-level nodes, with spans) → `ast` (typed
//! instructions and stages) → lint / lowering. `shell` is the pure word-expansion module
//! shared by all of them.

// The parser generated from `grammar/dockerfile.pest` names `::alloc::boxed::Box`: pest is
// used without its `std` feature, whose per-call native stack probe cost a fifth of the
// parse time (the grammar has no recursive rule, so its stack depth is bounded anyway).
extern crate alloc;

pub mod ast;
pub mod cli;
pub mod lint;
pub mod lower;
pub mod registry;
pub mod shell;
pub mod ssh_forward;
pub mod syntax;

pub use parse::{parse, parse_errors, FileError, ParseError};

mod parse;
