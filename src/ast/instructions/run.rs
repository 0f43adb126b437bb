//! `RUN [--mount=...] [--network=...] [--security=...] [--device=...] command`.
//!
//! After the flags, BuildKit's RUN hooks run in this order and each can fail the parse:
//! every `--device` is split and checked, every `--mount` is split and its `from=`
//! checked for variables (see [`MountSpec::parse`]), `--network` must be `default`,
//! `none` or `host`, `--security` must be `sandbox` or `insecure` (all case-sensitive).
//! Whether a device or insecure mode is allowed is decided at lowering time.

use serde::Serialize;

use crate::ast::csv;
use crate::ast::error::AstError;
use crate::ast::flags::RUN_FLAGS;
use crate::ast::goparse::{lower, parse_bool, quote};
use crate::ast::mount::MountSpec;
use crate::ast::suggest;
use crate::ast::Spanned;
use crate::syntax::{Heredoc, Span};

use super::common::{Request, ShellOrExec};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunInstruction {
    pub keyword: Spanned<String>,
    pub command: ShellOrExec,
    /// Here-documents of the command, bodies as written (not chomped).
    pub heredocs: Vec<Heredoc>,
    pub mounts: Vec<MountSpec>,
    /// `--network`; `None` when absent (BuildKit's default mode).
    pub network: Option<Spanned<NetworkMode>>,
    /// `--security`; `None` when absent (sandbox).
    pub security: Option<Spanned<SecurityMode>>,
    /// `--device` (accepted by the parser, rejected by non-labs lowering).
    pub devices: Vec<DeviceSpec>,
    /// Names of the flags given, in order of first use.
    pub flags_used: Vec<String>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    Default,
    None,
    Host,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecurityMode {
    Sandbox,
    Insecure,
}

/// One `--device` flag: a device name (CDI) and whether it is required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeviceSpec {
    pub raw: Spanned<String>,
    pub name: String,
    pub required: bool,
}

pub(crate) fn parse(req: &Request<'_>) -> Result<RunInstruction, AstError> {
    let node = req.node;
    let flags = req.flags(RUN_FLAGS)?;
    let command = ShellOrExec::from_args(req.args(), node.json, req.args_span());
    let devices = flags
        .strings("device")
        .into_iter()
        .map(|raw| parse_device(raw, node.span))
        .collect::<Result<Vec<_>, _>>()?;
    let mounts = flags
        .strings("mount")
        .into_iter()
        .map(|raw| MountSpec::parse(raw, node.span))
        .collect::<Result<Vec<_>, _>>()?;
    let network = match flags.string("network") {
        None => None,
        Some(v) => {
            let mode = match v.value.as_str() {
                "default" => NetworkMode::Default,
                "none" => NetworkMode::None,
                "host" => NetworkMode::Host,
                _ => {
                    return Err(AstError::InvalidNetwork {
                        quoted: quote(&v.value),
                        span: v.span,
                        node: node.span,
                    })
                }
            };
            Some(Spanned::new(mode, v.span))
        }
    };
    let security = match flags.string("security") {
        None => None,
        Some(v) => {
            let mode = match v.value.as_str() {
                "sandbox" => SecurityMode::Sandbox,
                "insecure" => SecurityMode::Insecure,
                _ => {
                    return Err(AstError::InvalidSecurity {
                        quoted: quote(&v.value),
                        span: v.span,
                        node: node.span,
                    })
                }
            };
            Some(Spanned::new(mode, v.span))
        }
    };
    Ok(RunInstruction {
        keyword: req.keyword(),
        command,
        heredocs: node.heredocs.clone(),
        mounts,
        network,
        security,
        devices,
        flags_used: flags.used(),
        span: node.span,
    })
}

/// BuildKit's `ParseDevice`: the first bare word (or unknown `k=v` field) is the name.
fn parse_device(raw: Spanned<String>, node: Span) -> Result<DeviceSpec, AstError> {
    let fail = |message: String| AstError::InvalidDevice {
        message,
        span: raw.span,
        node,
    };
    let fields =
        csv::fields(&raw.value).map_err(|e| fail(format!("failed to parse csv devices: {e}")))?;
    let mut name = String::new();
    let mut required = false;
    for field in fields {
        let text = field.text;
        let (key, value) = match text.split_once('=') {
            Some((k, v)) => (lower(k), Some(v)),
            None => (lower(&text), None),
        };
        match (key.as_str(), value) {
            ("required", None) => required = true,
            ("name", Some(v)) => {
                if !name.is_empty() {
                    return Err(fail(format!("device name already set to {name}")));
                }
                name = v.to_string();
            }
            ("required", Some(v)) => {
                required =
                    parse_bool(v).ok_or_else(|| fail(format!("invalid value for {key}: {v}")))?;
            }
            _ if name.is_empty() => name = text.clone(),
            (_, None) => {
                return Err(fail(format!(
                    "invalid field '{text}' must be a key=value pair"
                )))
            }
            (_, Some(_)) => {
                let mut message = format!("unexpected key '{key}' in '{text}'");
                if let Some(s) = suggest::search(&key, &["name", "required"], true) {
                    message = format!("{message} (did you mean {s}?)");
                }
                return Err(fail(message));
            }
        }
    }
    Ok(DeviceSpec {
        raw,
        name,
        required,
    })
}
