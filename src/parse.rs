//! The library's front door: Dockerfile text → typed AST, or every error found in it.

use miette::Diagnostic;
use thiserror::Error;

use crate::syntax::{self, LineIndex, ParsedFile, Span, SyntaxError};

/// Every error found while reading one Dockerfile.
#[derive(Debug, Error, Diagnostic)]
#[error("{}", summary(.errors))]
pub struct ParseError {
    #[related]
    pub errors: Vec<FileError>,
}

/// One error of a file.
#[derive(Debug, Error, Diagnostic)]
pub enum FileError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(#[from] SyntaxError),
}

impl FileError {
    pub fn span(&self) -> Span {
        match self {
            FileError::Syntax(e) => e.span(),
        }
    }

    /// The message BuildKit prints for this error, `dockerfile parse error on line N:`
    /// prefix included where BuildKit has one.
    pub fn buildkit_message(&self, index: &LineIndex) -> String {
        let _ = index;
        self.to_string()
    }
}

fn summary(errors: &[FileError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => format!("{} errors in the Dockerfile", many.len()),
    }
}

/// Wraps syntax errors as a [`ParseError`].
pub fn parse_errors(errors: Vec<SyntaxError>) -> ParseError {
    ParseError {
        errors: errors.into_iter().map(FileError::from).collect(),
    }
}

/// Parses a Dockerfile.
pub fn parse(source: &str) -> Result<ParsedFile, ParseError> {
    let p = syntax::parse(source);
    if p.errors.is_empty() {
        Ok(p.file)
    } else {
        Err(ParseError {
            errors: p.errors.into_iter().map(FileError::from).collect(),
        })
    }
}
