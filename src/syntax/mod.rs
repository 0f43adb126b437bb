//! Syntax: Dockerfile text → line-level [`Node`]s, exactly as BuildKit's parser reads it.
//!
//! Directives, comments, continuations, heredoc bodies and the splitting of each
//! instruction's arguments live here. Typed instructions are [`crate::ast`]'s job, word
//! expansion [`crate::shell`]'s.

pub mod error;
pub mod node;
pub mod span;

pub use error::SyntaxError;
pub use node::{Arg, Directive, Heredoc, Node, ParsedFile, RawFlag};
pub use span::{LineCol, LineIndex, Span};

mod args;
pub mod dump;
mod grammar;
pub mod heredoc;
mod logical;
mod parser;
mod split;

pub use parser::{parse, Parse};
