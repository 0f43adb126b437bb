//! `ENV` and `LABEL`: ordered key/value pairs.
//!
//! The syntax layer gives BuildKit's (key, value, separator) triples; an empty separator
//! marks the legacy `ENV key value` form. BuildKit checks the flags first (these
//! instructions take none), then that there is at least one pair and no empty key.
//! Values are kept as written (quotes included); expansion happens at lowering.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::NO_FLAGS;
use crate::ast::Spanned;
use crate::syntax::Span;

use super::common::{spanned, Request};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: Spanned<String>,
    pub value: Spanned<String>,
    /// Written as `key value` rather than `key=value`.
    pub legacy: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnvInstruction {
    pub keyword: Spanned<String>,
    pub pairs: Vec<KeyValue>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LabelInstruction {
    pub keyword: Spanned<String>,
    pub pairs: Vec<KeyValue>,
    pub span: Span,
}

pub(crate) fn parse_env(req: &Request<'_>) -> Result<EnvInstruction, AstError> {
    req.flags(NO_FLAGS)?;
    Ok(EnvInstruction {
        keyword: req.keyword(),
        pairs: pairs(req)?,
        span: req.node.span,
    })
}

pub(crate) fn parse_label(req: &Request<'_>) -> Result<LabelInstruction, AstError> {
    req.flags(NO_FLAGS)?;
    Ok(LabelInstruction {
        keyword: req.keyword(),
        pairs: pairs(req)?,
        span: req.node.span,
    })
}

fn pairs(req: &Request<'_>) -> Result<Vec<KeyValue>, AstError> {
    req.at_least_one()?;
    let args = req.args();
    if args.len() % 3 != 0 {
        return Err(AstError::TooManyArguments {
            instruction: req.name.to_string(),
            span: req.args_span(),
            node: req.node.span,
        });
    }
    let mut out = Vec::with_capacity(args.len() / 3);
    for triple in args.chunks_exact(3) {
        let (key, value, sep) = (&triple[0], &triple[1], &triple[2]);
        if key.value.is_empty() {
            return Err(AstError::BlankName {
                instruction: req.name.to_string(),
                span: key.span.cover(value.span),
                node: req.node.span,
            });
        }
        out.push(KeyValue {
            key: spanned(key),
            value: spanned(value),
            legacy: sep.value.is_empty(),
            span: key.span.cover(value.span),
        });
    }
    Ok(out)
}
