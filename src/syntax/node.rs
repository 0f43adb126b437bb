//! The line-level parse result: one [`Node`] per instruction, as BuildKit's parser sees it.
//!
//! A node is still untyped: a keyword, its raw `--flags`, and argument strings split by the
//! per-instruction rule of BuildKit's parser (ENV and LABEL as `key value sep` triples,
//! HEALTHCHECK as `type` then the command, ONBUILD wrapping a sub-node). Giving those
//! strings meaning is the job of [`crate::ast`]. This layer does no variable expansion.

use serde::Serialize;

use super::span::Span;

/// A parsed Dockerfile at the line level.
#[derive(Clone, Debug, Serialize)]
pub struct ParsedFile {
    /// Parser directives from the top of the file, in file order.
    pub directives: Vec<Directive>,
    /// The escape character in force (`\` unless `# escape=` says otherwise).
    pub escape: char,
    pub nodes: Vec<Node>,
    /// Non-fatal findings of the parser (empty continuation lines).
    pub warnings: Vec<ParseWarning>,
}

/// `# name=value` at the top of the file (`syntax`, `escape`, `check`).
#[derive(Clone, Debug, Serialize)]
pub struct Directive {
    /// Lower-cased name.
    pub name: String,
    pub value: String,
    /// The whole comment line.
    pub span: Span,
    pub value_span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParseWarning {
    pub kind: WarningKind,
    /// The instruction the warning belongs to.
    pub span: Span,
    /// The offending physical lines, one span each.
    pub lines: Vec<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WarningKind {
    /// A blank line inside a continued instruction.
    EmptyContinuationLine,
}

/// One instruction.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    /// The keyword as written (`RUN`, `run`, `Run`, or an unknown word).
    pub keyword: String,
    pub keyword_span: Span,
    /// Leading `--name[=value]` words, quotes removed as BuildKit does; a bare `--` is dropped.
    pub flags: Vec<RawFlag>,
    /// Argument strings in BuildKit's node order.
    pub args: Vec<Arg>,
    /// For ONBUILD: the wrapped instruction.
    pub sub: Option<Box<Node>>,
    /// The arguments came from a JSON array (exec form).
    pub json: bool,
    /// Heredoc bodies attached to this instruction (RUN, COPY, ADD, also under ONBUILD).
    pub heredocs: Vec<Heredoc>,
    /// The logical line after continuation handling (comments and escapes at line ends removed).
    pub original: String,
    /// From the first character of the keyword to the end of the last line (heredocs included).
    pub span: Span,
    /// The text after the keyword and flags, trimmed, as a span of the source. For a
    /// continued line it may cover removed continuation characters and comments.
    pub rest_span: Span,
    /// Comment lines directly above the instruction (text after `#`, trimmed).
    pub comments: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RawFlag {
    /// The whole word without quotes, e.g. `--from=build`.
    pub text: String,
    pub span: Span,
}

impl RawFlag {
    /// `from` for `--from=build`.
    pub fn name(&self) -> &str {
        let body = self.text.trim_start_matches("--");
        body.split_once('=').map_or(body, |(n, _)| n)
    }

    /// `Some("build")` for `--from=build`, `None` for `--link`.
    pub fn value(&self) -> Option<&str> {
        self.text.split_once('=').map(|(_, v)| v)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Arg {
    pub value: String,
    pub span: Span,
}

/// A here-document: `<<EOF` on the instruction line, its body on the lines below.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter with quotes removed.
    pub name: String,
    /// A file descriptor written before `<<` (`3<<EOF`), 0 when absent.
    pub file_descriptor: u32,
    /// Variables in the body are expanded (the delimiter was not quoted).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from the body lines and the terminator.
    pub chomp: bool,
    /// The body, every line with its newline, terminator excluded.
    pub content: String,
    /// The body lines plus the terminator line.
    pub span: Span,
}

impl Node {
    /// The keyword lower-cased, as BuildKit dispatches on it.
    pub fn name(&self) -> String {
        self.keyword.to_lowercase()
    }

    /// The instruction's own flags (for ONBUILD, those written before the wrapped
    /// instruction; the wrapped one's are on `sub`).
    pub fn flag_values(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().map(|f| f.text.as_str())
    }
}
