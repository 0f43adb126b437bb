//! `HEALTHCHECK NONE` and `HEALTHCHECK [--interval=...] CMD command`.
//!
//! BuildKit's order: no arguments fails; `NONE` (any case) must stand alone and its flags
//! are not even looked at; otherwise the flags are parsed, then the type must be `CMD`
//! with a command, then each duration flag is parsed with Go's `time.ParseDuration` (0
//! means unset; anything else below 1ms fails), then `--retries` as a 32-bit integer that
//! must not be negative.

use std::time::Duration;

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::{Flags, HEALTHCHECK_FLAGS};
use crate::ast::goparse::{self, quote};
use crate::ast::Spanned;
use crate::syntax::Span;

use super::common::{spanned, Request, ShellOrExec};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealthcheckInstruction {
    pub keyword: Spanned<String>,
    /// The type word as written (`CMD`, `none`, ...).
    pub kind: Spanned<String>,
    pub check: Healthcheck,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Healthcheck {
    /// Disable any health check inherited from the base image.
    None,
    Cmd(HealthcheckCmd),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealthcheckCmd {
    pub command: ShellOrExec,
    /// Each duration flag as given; a zero value (also from an empty flag) means unset.
    pub interval: Option<Spanned<Duration>>,
    pub timeout: Option<Spanned<Duration>>,
    pub start_period: Option<Spanned<Duration>>,
    pub start_interval: Option<Spanned<Duration>>,
    /// `--retries`; 0 means unset.
    pub retries: Option<Spanned<i32>>,
}

impl HealthcheckInstruction {
    /// BuildKit's `Test`: `["NONE"]`, `["CMD", args...]` or `["CMD-SHELL", command]`.
    pub fn test(&self) -> Vec<String> {
        match &self.check {
            Healthcheck::None => vec!["NONE".to_string()],
            Healthcheck::Cmd(cmd) => {
                let kind = if cmd.command.prepends_shell() {
                    "CMD-SHELL"
                } else {
                    "CMD"
                };
                let mut test = vec![kind.to_string()];
                test.extend(cmd.command.cmd_line());
                test
            }
        }
    }
}

pub(crate) fn parse(req: &Request<'_>) -> Result<HealthcheckInstruction, AstError> {
    req.at_least_one()?;
    let node = req.node;
    let args = req.args();
    let kind = spanned(&args[0]);
    let typ = goparse::upper(&kind.value);
    let rest = &args[1..];
    let check = if typ == "NONE" {
        if let (Some(first), Some(last)) = (rest.first(), rest.last()) {
            return Err(AstError::HealthcheckNoneArguments {
                span: first.span.cover(last.span),
                node: node.span,
            });
        }
        Healthcheck::None
    } else {
        let flags = req.flags(HEALTHCHECK_FLAGS)?;
        if typ != "CMD" {
            return Err(AstError::HealthcheckType {
                quoted: quote(&typ),
                span: kind.span,
                node: node.span,
            });
        }
        if rest.is_empty() {
            return Err(AstError::HealthcheckMissingCommand {
                span: kind.span,
                node: node.span,
            });
        }
        let command = ShellOrExec::from_args(rest, node.json, kind.span);
        Healthcheck::Cmd(HealthcheckCmd {
            command,
            interval: interval(&flags, "interval", node.span)?,
            timeout: interval(&flags, "timeout", node.span)?,
            start_period: interval(&flags, "start-period", node.span)?,
            start_interval: interval(&flags, "start-interval", node.span)?,
            retries: retries(&flags, node.span)?,
        })
    };
    Ok(HealthcheckInstruction {
        keyword: req.keyword(),
        kind,
        check,
        span: node.span,
    })
}

/// BuildKit's `parseOptInterval`.
fn interval(flags: &Flags, name: &str, node: Span) -> Result<Option<Spanned<Duration>>, AstError> {
    let Some(flag) = flags.string(name) else {
        return Ok(None);
    };
    if flag.value.is_empty() {
        return Ok(Some(Spanned::new(Duration::ZERO, flag.span)));
    }
    let nanos =
        goparse::parse_duration(&flag.value).map_err(|message| AstError::InvalidDuration {
            message,
            span: flag.span,
            node,
        })?;
    if nanos != 0 && nanos < 1_000_000 {
        return Err(AstError::IntervalTooShort {
            quoted_flag: quote(name),
            span: flag.span,
            node,
        });
    }
    Ok(Some(Spanned::new(goparse::to_duration(nanos), flag.span)))
}

fn retries(flags: &Flags, node: Span) -> Result<Option<Spanned<i32>>, AstError> {
    let Some(flag) = flags.string("retries") else {
        return Ok(None);
    };
    if flag.value.is_empty() {
        return Ok(Some(Spanned::new(0, flag.span)));
    }
    let n = goparse::parse_int10(&flag.value, 32).map_err(|message| AstError::InvalidRetries {
        message,
        span: flag.span,
        node,
    })?;
    if n < 0 {
        return Err(AstError::NegativeRetries {
            value: n,
            span: flag.span,
            node,
        });
    }
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    Ok(Some(Spanned::new(n, flag.span)))
}
