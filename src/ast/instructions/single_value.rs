//! `USER`, `WORKDIR`, `STOPSIGNAL` and `MAINTAINER`: one argument each (the rest of the
//! line, which may contain spaces).
//!
//! Each needs exactly one argument, checked before the flags. STOPSIGNAL, like BuildKit,
//! does not look at flags at all. Values are unexpanded; their syntax (user names, signal
//! names) is checked at lowering.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::NO_FLAGS;
use crate::ast::Spanned;
use crate::syntax::Span;

use super::common::Request;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserInstruction {
    pub keyword: Spanned<String>,
    /// `user[:group]`.
    pub user: Spanned<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkdirInstruction {
    pub keyword: Spanned<String>,
    pub path: Spanned<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StopsignalInstruction {
    pub keyword: Spanned<String>,
    pub signal: Spanned<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaintainerInstruction {
    pub keyword: Spanned<String>,
    pub maintainer: Spanned<String>,
    pub span: Span,
}

/// The single argument, then the flag check (none accepted).
fn single(req: &Request<'_>) -> Result<Spanned<String>, AstError> {
    let value = req.exactly_one()?;
    req.flags(NO_FLAGS)?;
    Ok(value)
}

pub(crate) fn parse_user(req: &Request<'_>) -> Result<UserInstruction, AstError> {
    Ok(UserInstruction {
        keyword: req.keyword(),
        user: single(req)?,
        span: req.node.span,
    })
}

pub(crate) fn parse_workdir(req: &Request<'_>) -> Result<WorkdirInstruction, AstError> {
    Ok(WorkdirInstruction {
        keyword: req.keyword(),
        path: single(req)?,
        span: req.node.span,
    })
}

pub(crate) fn parse_maintainer(req: &Request<'_>) -> Result<MaintainerInstruction, AstError> {
    Ok(MaintainerInstruction {
        keyword: req.keyword(),
        maintainer: single(req)?,
        span: req.node.span,
    })
}

pub(crate) fn parse_stopsignal(req: &Request<'_>) -> Result<StopsignalInstruction, AstError> {
    Ok(StopsignalInstruction {
        keyword: req.keyword(),
        signal: req.exactly_one()?,
        span: req.node.span,
    })
}
