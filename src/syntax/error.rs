//! Errors of the line-level parser, each tied to a span of the source.

use miette::Diagnostic;
use thiserror::Error;

use super::span::Span;

#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum SyntaxError {
    #[error("file with no instructions")]
    #[diagnostic(
        code(dfc::syntax::empty),
        help("a Dockerfile needs at least one instruction, starting with FROM")
    )]
    NoInstructions {
        #[label("nothing but comments and blank lines up to here")]
        span: Span,
    },

    #[error("only one {name} parser directive can be used")]
    #[diagnostic(
        code(dfc::syntax::directive),
        help("remove the repeated `# {name}=` line")
    )]
    DuplicateDirective {
        name: String,
        #[label("repeated here")]
        span: Span,
    },

    #[error("invalid escape token '{token}' does not match ` or \\")]
    #[diagnostic(
        code(dfc::syntax::directive),
        help("use `# escape=\\` (the default) or `# escape=`` ` (backtick)")
    )]
    InvalidEscape {
        token: String,
        #[label("not an escape character")]
        span: Span,
    },

    #[error("{keyword} must have two arguments")]
    #[diagnostic(
        code(dfc::syntax::arguments),
        help("write `{keyword} name=value` or `{keyword} name value`")
    )]
    MissingValue {
        keyword: String,
        #[label("a name without a value")]
        span: Span,
    },

    #[error("Syntax error - can't find = in {word:?}. Must be of the form: name=value")]
    #[diagnostic(
        code(dfc::syntax::arguments),
        help("every word must be `name=value`; quote values that contain spaces")
    )]
    MissingEquals {
        word: String,
        #[label("no `=` in this word")]
        span: Span,
    },

    #[error("when using JSON array syntax, arrays must be comprised of strings only")]
    #[diagnostic(
        code(dfc::syntax::json),
        help("quote every element, e.g. [\"echo\", \"1\"]")
    )]
    JsonNotStrings {
        #[label("this array holds something that is not a string")]
        span: Span,
    },

    #[error("unterminated heredoc")]
    #[diagnostic(
        code(dfc::syntax::heredoc),
        help("end the here-document with a line holding only `{name}`")
    )]
    UnterminatedHeredoc {
        name: String,
        #[label("`<<{name}` opened here is never closed")]
        span: Span,
    },

    #[error("this line could not be read")]
    #[diagnostic(
        code(dfc::syntax::unreadable),
        help("the parser hit one of its own limits here; please report this Dockerfile")
    )]
    Unreadable {
        #[label("here")]
        span: Span,
    },

    #[error("{message}")]
    #[diagnostic(code(dfc::syntax::heredoc))]
    Heredoc {
        message: String,
        #[label("in this here-document")]
        span: Span,
    },
}

impl SyntaxError {
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::NoInstructions { span }
            | SyntaxError::DuplicateDirective { span, .. }
            | SyntaxError::InvalidEscape { span, .. }
            | SyntaxError::MissingValue { span, .. }
            | SyntaxError::MissingEquals { span, .. }
            | SyntaxError::JsonNotStrings { span }
            | SyntaxError::UnterminatedHeredoc { span, .. }
            | SyntaxError::Unreadable { span }
            | SyntaxError::Heredoc { span, .. } => *span,
        }
    }
}
