//! The library's front door: Dockerfile text → typed AST, or every error found in it.
//!
//! Both layers always run: the line parser over the whole file, then the typed layer over
//! every instruction the line parser could read, so one run reports every error of the
//! file. BuildKit stops at its first error; [`ParseError::buildkit_message`] says which
//! one that is.

use miette::Diagnostic;
use thiserror::Error;

use crate::ast::{self, AstError, Dockerfile};
use crate::syntax::{self, LineIndex, Span, SyntaxError};

/// Every error found while reading one Dockerfile, in file order.
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
    #[error(transparent)]
    #[diagnostic(transparent)]
    Ast(#[from] AstError),
    #[error("the Dockerfile cannot be empty")]
    #[diagnostic(code(dfc::empty), help("write at least a FROM instruction"))]
    Empty,
}

impl FileError {
    /// Where the error points.
    pub fn span(&self) -> Span {
        match self {
            FileError::Syntax(e) => e.span(),
            FileError::Ast(e) => e.span(),
            FileError::Empty => Span::default(),
        }
    }

    /// The message BuildKit prints for this error, with its `dockerfile parse error on
    /// line N:` prefix where BuildKit has one.
    pub fn buildkit_message(&self, index: &LineIndex) -> String {
        match self {
            FileError::Ast(e) => e.buildkit_message(index),
            other => other.to_string(),
        }
    }
}

impl ParseError {
    /// The error BuildKit stops with: its line parser runs over the whole file before its
    /// typed layer, so a line-parser error wins over an earlier typed-layer one.
    pub fn first_buildkit_error(&self) -> Option<&FileError> {
        self.errors
            .iter()
            .find(|e| !matches!(e, FileError::Ast(_)))
            .or_else(|| self.errors.first())
    }

    /// BuildKit's message for this file (see [`ParseError::first_buildkit_error`]).
    pub fn buildkit_message(&self, source: &str) -> String {
        let index = LineIndex::new(source);
        self.first_buildkit_error()
            .map(|e| e.buildkit_message(&index))
            .unwrap_or_default()
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

/// Parses a Dockerfile into its typed AST.
pub fn parse(source: &str) -> Result<Dockerfile, ParseError> {
    if source.is_empty() {
        return Err(ParseError {
            errors: vec![FileError::Empty],
        });
    }
    let lines = syntax::parse(source);
    let (tree, ast_errors) = ast::build(&lines.file);
    let mut errors: Vec<FileError> = lines.errors.into_iter().map(FileError::from).collect();
    errors.extend(ast_errors.into_iter().map(FileError::from));
    if errors.is_empty() {
        return Ok(tree);
    }
    // File order; at one place, the line parser's error first.
    errors.sort_by_key(|e| (e.span().start, matches!(e, FileError::Ast(_))));
    Err(ParseError { errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages BuildKit v0.32 gives for the same files.
    #[test]
    fn line_numbers_count_from_the_instructions_first_line() {
        let cases = [
            (
                "FROM a\n\\\nFOO\n",
                "dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)",
            ),
            (
                "FROM a\n  \\",
                "dockerfile parse error on line 2: unknown instruction: ",
            ),
            ("", "the Dockerfile cannot be empty"),
            ("# only\n", "file with no instructions"),
        ];
        for (src, want) in cases {
            let err = parse(src).expect_err(src);
            assert_eq!(err.buildkit_message(src), want, "{src:?}");
        }
    }

    #[test]
    fn a_line_parser_error_is_the_one_buildkit_reports() {
        let src = "FROM a\nFOO x\nENV k\n";
        let err = parse(src).unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.buildkit_message(src), "ENV must have two arguments");
    }
}
