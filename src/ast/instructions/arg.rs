//! `ARG name[=default] ...`: build arguments, each with an optional default.
//!
//! BuildKit splits each word at its first `=`; an empty name is an error. ARG checks no
//! flags (any `--word` before the names is ignored, as in BuildKit). Defaults are kept as
//! written, quotes included.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::Spanned;
use crate::syntax::Span;

use super::common::Request;
use super::from::doc_comment;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArgInstruction {
    pub keyword: Spanned<String>,
    pub args: Vec<ArgPair>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArgPair {
    pub key: Spanned<String>,
    /// The default after `=`, `None` for a bare name (`Some("")` for `name=`).
    pub value: Option<Spanned<String>>,
    /// The rest of the first comment line above the ARG that starts with `name `.
    pub doc_comment: Option<String>,
    pub span: Span,
}

pub(crate) fn parse(req: &Request<'_>) -> Result<ArgInstruction, AstError> {
    req.at_least_one()?;
    let mut args = Vec::with_capacity(req.args().len());
    for arg in req.args() {
        let (key, value) = match arg.value.split_once('=') {
            Some((k, v)) => {
                if k.is_empty() {
                    return Err(AstError::BlankName {
                        instruction: req.name.to_string(),
                        span: arg.span,
                        node: req.node.span,
                    });
                }
                let (key_span, value_span) = split_span(arg.span, arg.value.len(), k.len());
                (
                    Spanned::new(k.to_string(), key_span),
                    Some(Spanned::new(v.to_string(), value_span)),
                )
            }
            None => (Spanned::new(arg.value.clone(), arg.span), None),
        };
        args.push(ArgPair {
            doc_comment: doc_comment(&req.node.comments, &key.value),
            key,
            value,
            span: arg.span,
        });
    }
    Ok(ArgInstruction {
        keyword: req.keyword(),
        args,
        span: req.node.span,
    })
}

/// Spans of `key` and `value` in a `key=value` word, exact when the word's text maps byte
/// for byte onto the source, else both the whole word.
fn split_span(word: Span, text_len: usize, key_len: usize) -> (Span, Span) {
    if word.len() != text_len {
        return (word, word);
    }
    let start = word.start as usize;
    (
        Span::new(start, start + key_len),
        Span::new(start + key_len + 1, word.end as usize),
    )
}
