//! `FROM [--platform=P] image [AS name]`: the start of a stage.
//!
//! Checks as BuildKit does, in its order: one argument or three with `AS` (any case) in
//! the middle, then the stage name (lower-cased, then `^[a-z][a-z0-9-_.]*$`), then the
//! flags (`--platform` only). The image reference itself is not checked here (an empty or
//! malformed base after expansion is a lowering error).

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::FROM_FLAGS;
use crate::ast::goparse::{lower, quote};
use crate::ast::Spanned;
use crate::syntax::{Node, Span};

use super::common::{spanned, Request};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FromInstruction {
    pub keyword: Spanned<String>,
    /// The image or stage to start from, unexpanded.
    pub base: Spanned<String>,
    /// The `AS` word as written.
    pub as_keyword: Option<Spanned<String>>,
    /// The stage name, lower-cased as BuildKit stores it; the span is the name as written.
    pub name: Option<Spanned<String>>,
    /// The stage name as written.
    pub name_as_written: Option<String>,
    /// `--platform`, unexpanded.
    pub platform: Option<Spanned<String>>,
    /// Comment lines directly above the `FROM`.
    pub comments: Vec<String>,
    /// The text after `<name> ` of the first comment line starting with the stage name.
    pub doc_comment: Option<String>,
    /// The whole instruction text, trimmed (BuildKit's `SourceCode`).
    pub code: String,
    pub span: Span,
}

pub(crate) fn parse(req: &Request<'_>) -> Result<FromInstruction, AstError> {
    let node = req.node;
    let args = req.args();
    let (as_keyword, name) = match args {
        [_, word, name] if fold_eq(&word.value, "as") => {
            let lowered = lower(&name.value);
            if !valid_stage_name(&lowered) {
                return Err(AstError::InvalidStageName {
                    quoted: quote(&name.value),
                    span: name.span,
                    node: node.span,
                });
            }
            (
                Some(spanned(word)),
                Some((Spanned::new(lowered, name.span), name.value.clone())),
            )
        }
        [_] => (None, None),
        _ => {
            return Err(AstError::FromArguments {
                span: req.args_span(),
                node: node.span,
            })
        }
    };
    let flags = req.flags(FROM_FLAGS)?;
    let base = spanned(&args[0]);
    let doc_comment = name
        .as_ref()
        .and_then(|(n, _)| doc_comment(&node.comments, &n.value));
    let (name, name_as_written) = match name {
        Some((n, written)) => (Some(n), Some(written)),
        None => (None, None),
    };
    Ok(FromInstruction {
        keyword: req.keyword(),
        base,
        as_keyword,
        name,
        name_as_written,
        platform: flags.string("platform"),
        comments: node.comments.clone(),
        doc_comment,
        code: node.original.trim().to_string(),
        span: node.span,
    })
}

impl FromInstruction {
    /// A best-effort stage start for a `FROM` that failed to parse, so the instructions
    /// after it still have a stage to be checked in. Its base is the first argument (or
    /// empty) and it has no name or platform.
    pub fn fallback(node: &Node) -> FromInstruction {
        let base = node.args.first().map(spanned).unwrap_or_else(|| {
            Spanned::new(
                String::new(),
                Span::empty_at(node.keyword_span.end as usize),
            )
        });
        FromInstruction {
            keyword: Spanned::new(node.keyword.clone(), node.keyword_span),
            base,
            as_keyword: None,
            name: None,
            name_as_written: None,
            platform: None,
            comments: node.comments.clone(),
            doc_comment: None,
            code: node.original.trim().to_string(),
            span: node.span,
        }
    }
}

/// `^[a-z][a-z0-9-_.]*$`
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// Go's `strings.EqualFold` for the short ASCII words compared here (`ſ` folds to `s`).
pub(crate) fn fold_eq(a: &str, b: &str) -> bool {
    let fold = |c: char| match c {
        'ſ' => 's',
        c => c.to_ascii_lowercase(),
    };
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// BuildKit's doc comment: the rest of the first comment line that starts with `name `.
pub(crate) fn doc_comment(comments: &[String], name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let prefix = format!("{name} ");
    comments
        .iter()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_string))
}
