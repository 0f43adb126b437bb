//! What a check reports: [`Diagnostic`], one plain type rendered at the edge (CLI formats).
//!
//! Spans are byte ranges; line and column are computed only by [`Diagnostic::position`]
//! when output is written.

use serde::Serialize;

use crate::syntax::{LineIndex, Span};

/// How serious a finding is. Ordered: `Info < Style < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Style,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Style => "style",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `info`, `style`, `warning` or `error` (case-insensitive).
    pub fn parse(text: &str) -> Option<Severity> {
        match text.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "style" => Some(Severity::Style),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// One finding of one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's code: a BuildKit check name (`StageNameCasing`) or a hadolint code.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The exact part of the source the finding is about.
    pub span: Span,
    /// The instruction the finding is attached to (BuildKit's location).
    pub instruction: Span,
    /// Short text shown under the span.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The rule's documentation.
    pub url: &'static str,
    /// The mechanical fix, when the rule has one for this finding.
    pub fix: Option<Vec<Edit>>,
}

/// One replacement in the source: `span`, which must read `expect`, becomes `text`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    /// The text the span holds when the fix was made; the edit is not applied otherwise.
    pub expect: String,
    pub text: String,
}

/// 1-based start and end positions of a span (end column exclusive, in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Diagnostic {
    pub fn position(&self, text: &str, index: &LineIndex) -> Position {
        let start = index.line_col(text, self.span.start);
        let end = index.line_col(text, self.span.end);
        Position {
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }

    /// The 1-based first line of the instruction the finding belongs to.
    pub fn instruction_line(&self, index: &LineIndex) -> u32 {
        index.lines(self.instruction).0
    }

    /// Sort key: file order, then code, then message.
    pub fn sort_key(&self) -> (u32, u32, &'static str, &str) {
        (self.span.start, self.span.end, self.code, &self.message)
    }
}
