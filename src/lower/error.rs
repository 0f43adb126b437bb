//! Errors of lowering. `Display` is BuildKit's message; spans point into the Dockerfile
//! when the cause is there.

use miette::Diagnostic;
use thiserror::Error;

use crate::syntax::Span;

#[derive(Debug, Error, Diagnostic)]
pub enum LowerError {
    /// The Dockerfile does not parse; the message is BuildKit's for the first error.
    #[error("{message}")]
    Parse { message: String },
    #[error("dockerfile contains no stages to build")]
    NoStages,
    /// An error tied to one instruction.
    #[error("{message}")]
    #[diagnostic(code(dfc::lower))]
    At {
        message: String,
        #[label("here")]
        span: Span,
    },
    /// An error not tied to a place in the file (`--target`, resolution setup).
    #[error("{message}")]
    General { message: String },
}

impl LowerError {
    pub fn at(span: Span, message: impl Into<String>) -> LowerError {
        LowerError::At {
            message: message.into(),
            span,
        }
    }

    pub fn general(message: impl Into<String>) -> LowerError {
        LowerError::General {
            message: message.into(),
        }
    }
}
