//! `EXPOSE` and `VOLUME`: lists of words.
//!
//! Both need at least one argument, then check their (absent) flags. EXPOSE keeps the
//! port words as written; BuildKit sorts them (byte order), see
//! [`ExposeInstruction::sorted_ports`]. Port syntax is checked at lowering. VOLUME trims
//! each path and rejects an empty one.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::NO_FLAGS;
use crate::ast::Spanned;
use crate::syntax::Span;

use super::common::{spanned, Request};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExposeInstruction {
    pub keyword: Spanned<String>,
    /// The port words in source order, unexpanded.
    pub ports: Vec<Spanned<String>>,
    pub span: Span,
}

impl ExposeInstruction {
    /// The ports in BuildKit's order (sorted as strings).
    pub fn sorted_ports(&self) -> Vec<String> {
        let mut ports: Vec<String> = self.ports.iter().map(|p| p.value.clone()).collect();
        ports.sort();
        ports
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VolumeInstruction {
    pub keyword: Spanned<String>,
    /// The paths, trimmed of surrounding whitespace, unexpanded.
    pub volumes: Vec<Spanned<String>>,
    pub json: bool,
    pub span: Span,
}

pub(crate) fn parse_expose(req: &Request<'_>) -> Result<ExposeInstruction, AstError> {
    req.at_least_one()?;
    req.flags(NO_FLAGS)?;
    Ok(ExposeInstruction {
        keyword: req.keyword(),
        ports: req.args().iter().map(spanned).collect(),
        span: req.node.span,
    })
}

pub(crate) fn parse_volume(req: &Request<'_>) -> Result<VolumeInstruction, AstError> {
    req.at_least_one()?;
    req.flags(NO_FLAGS)?;
    let mut volumes = Vec::with_capacity(req.args().len());
    for arg in req.args() {
        let trimmed = arg.value.trim();
        if trimmed.is_empty() {
            return Err(AstError::EmptyVolume {
                span: arg.span,
                node: req.node.span,
            });
        }
        volumes.push(Spanned::new(trimmed.to_string(), arg.span));
    }
    Ok(VolumeInstruction {
        keyword: req.keyword(),
        volumes,
        json: req.node.json,
        span: req.node.span,
    })
}
