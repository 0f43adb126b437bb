//! `CMD`, `ENTRYPOINT` and `SHELL`: commands in shell or exec form.
//!
//! CMD and ENTRYPOINT take no flags and accept any form, also an empty one (BuildKit then
//! stores an empty command line; for `ENTRYPOINT []` lowering clears the entrypoint).
//! SHELL takes no flags, needs at least one element and must be a JSON array.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::NO_FLAGS;
use crate::ast::Spanned;
use crate::syntax::Span;

use super::common::{spanned, Request, ShellOrExec};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CmdInstruction {
    pub keyword: Spanned<String>,
    pub command: ShellOrExec,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntrypointInstruction {
    pub keyword: Spanned<String>,
    pub command: ShellOrExec,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShellInstruction {
    pub keyword: Spanned<String>,
    /// The shell and its arguments, e.g. `["/bin/bash", "-c"]`.
    pub shell: Vec<Spanned<String>>,
    pub span: Span,
}

fn command(req: &Request<'_>) -> Result<ShellOrExec, AstError> {
    req.flags(NO_FLAGS)?;
    Ok(ShellOrExec::from_args(
        req.args(),
        req.node.json,
        req.args_span(),
    ))
}

pub(crate) fn parse_cmd(req: &Request<'_>) -> Result<CmdInstruction, AstError> {
    Ok(CmdInstruction {
        keyword: req.keyword(),
        command: command(req)?,
        span: req.node.span,
    })
}

pub(crate) fn parse_entrypoint(req: &Request<'_>) -> Result<EntrypointInstruction, AstError> {
    Ok(EntrypointInstruction {
        keyword: req.keyword(),
        command: command(req)?,
        span: req.node.span,
    })
}

pub(crate) fn parse_shell(req: &Request<'_>) -> Result<ShellInstruction, AstError> {
    req.flags(NO_FLAGS)?;
    req.at_least_one()?;
    if !req.node.json {
        return Err(AstError::NotJson {
            instruction: req.name.to_string(),
            span: req.args_span(),
            node: req.node.span,
        });
    }
    Ok(ShellInstruction {
        keyword: req.keyword(),
        shell: req.args().iter().map(spanned).collect(),
        span: req.node.span,
    })
}
