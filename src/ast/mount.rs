//! `RUN --mount=...`: the CSV fields as written ([`MountSpec`]) and, at lowering time,
//! the typed [`Mount`] BuildKit derives from them ([`MountSpec::resolve`]).
//!
//! At parse time BuildKit only splits the CSV (errors: `failed to parse csv mounts: ...`)
//! and rejects a `from=` value holding a `$` anywhere but at its end; every other field is
//! looked at only after variable expansion, when the stage is converted. `resolve` does
//! that second pass: it expands each `key=value` value with the caller's expander, then
//! applies BuildKit's rules (bind by default, read-only unless cache or tmpfs, which keys
//! each type takes, sharing modes, sizes as go-units `RAMInBytes`, octal `mode`, decimal
//! `uid`/`gid`), with BuildKit's error texts.

use std::fmt;

use miette::Diagnostic;
use serde::Serialize;
use thiserror::Error;

use crate::syntax::Span;

use super::csv;
use super::error::AstError;
use super::goparse::{self, quote};
use super::suggest;
use super::Spanned;

/// One `--mount` flag as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MountSpec {
    /// The flag value (after `--mount=`), unexpanded.
    pub raw: Spanned<String>,
    pub fields: Vec<MountField>,
}

/// One CSV field: `key=value`, or a bare word (`ro`, `required`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MountField {
    /// The whole field with CSV quoting removed.
    pub text: String,
    /// The text before the first `=` (or the whole field), as written (not lower-cased).
    pub key: Spanned<String>,
    /// The text after the first `=`, unexpanded; `None` for a bare word.
    pub value: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    #[default]
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

impl MountType {
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Cache => "cache",
            MountType::Tmpfs => "tmpfs",
            MountType::Secret => "secret",
            MountType::Ssh => "ssh",
        }
    }

    fn parse(s: &str) -> Option<MountType> {
        Some(match s {
            "bind" => MountType::Bind,
            "cache" => MountType::Cache,
            "tmpfs" => MountType::Tmpfs,
            "secret" => MountType::Secret,
            "ssh" => MountType::Ssh,
            _ => return None,
        })
    }
}

impl fmt::Display for MountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareMode {
    Shared,
    Private,
    Locked,
}

/// A mount after expansion, with BuildKit's `instructions.Mount` fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Mount {
    #[serde(rename = "type")]
    pub kind: MountType,
    pub from: String,
    pub source: String,
    pub target: String,
    pub readonly: bool,
    /// Bytes (tmpfs `size`), 0 when not given.
    pub size_limit: i64,
    /// `id`.
    pub cache_id: String,
    pub cache_sharing: Option<ShareMode>,
    pub required: bool,
    /// `env` (secrets); `Some("")` when given empty.
    pub env: Option<String>,
    pub mode: Option<u64>,
    pub uid: Option<u64>,
    pub gid: Option<u64>,
}

/// A mount rejected at lowering time; `Display` is BuildKit's message.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
#[error("{message}")]
#[diagnostic(code(dfc::mount))]
pub struct MountError {
    pub message: String,
    #[label("in this mount")]
    pub span: Span,
}

const MOUNT_TYPES: &[&str] = &["bind", "cache", "secret", "ssh", "tmpfs"];
const SHARE_MODES: &[&str] = &["locked", "private", "shared"];
const MOUNT_KEYS: &[&str] = &[
    "type",
    "from",
    "source",
    "target",
    "readonly",
    "id",
    "sharing",
    "required",
    "size",
    "mode",
    "uid",
    "gid",
    "src",
    "dst",
    "destination",
    "ro",
    "rw",
    "readwrite",
    "env",
];

impl MountSpec {
    /// Splits a `--mount` value and makes BuildKit's parse-time checks.
    pub fn parse(raw: Spanned<String>, node: Span) -> Result<MountSpec, AstError> {
        let parts = csv::fields(&raw.value).map_err(|e| AstError::MountCsv {
            message: e.to_string(),
            span: raw.span,
            node,
        })?;
        // Sub-spans are exact only when the value maps byte for byte onto the source.
        let exact = raw.span.len() == raw.value.len();
        let at = |start: usize, end: usize| {
            if exact {
                Span::new(
                    raw.span.start as usize + start,
                    raw.span.start as usize + end,
                )
            } else {
                raw.span
            }
        };
        let mut fields = Vec::with_capacity(parts.len());
        for part in parts {
            let span = at(part.start, part.end);
            let quoted = raw.value.as_bytes().get(part.start) == Some(&b'"');
            let (key, value) = match part.text.split_once('=') {
                Some((k, v)) => {
                    let eq = part.start + k.len();
                    let (key_span, value_span) = if quoted {
                        (span, span)
                    } else {
                        (at(part.start, eq), at(eq + 1, part.end))
                    };
                    (
                        Spanned::new(k.to_string(), key_span),
                        Some(Spanned::new(v.to_string(), value_span)),
                    )
                }
                None => (Spanned::new(part.text.clone(), span), None),
            };
            if let Some(v) = &value {
                if goparse::lower(&key.value) == "from" && has_inner_dollar(&v.value) {
                    return Err(AstError::MountFromVariable { span, node });
                }
            }
            fields.push(MountField {
                text: part.text,
                key,
                value,
                span,
            });
        }
        Ok(MountSpec { raw, fields })
    }

    /// The first field with this key (compared case-insensitively).
    pub fn field(&self, key: &str) -> Option<&MountField> {
        self.fields
            .iter()
            .find(|f| goparse::lower(&f.key.value) == goparse::lower(key))
    }

    /// The typed mount, expanding each value with `expand` first, as BuildKit does when
    /// it converts the stage.
    pub fn resolve<E: fmt::Display>(
        &self,
        expand: &mut dyn FnMut(&str) -> Result<String, E>,
    ) -> Result<Mount, MountError> {
        let mut m = Mount::default();
        let mut ro_auto = true;
        for field in &self.fields {
            let fail = |message: String| MountError {
                message,
                span: field.span,
            };
            let key = goparse::lower(&field.key.value);
            let Some(raw_value) = &field.value else {
                match key.as_str() {
                    "readonly" | "ro" => {
                        m.readonly = true;
                        ro_auto = false;
                    }
                    "readwrite" | "rw" => {
                        m.readonly = false;
                        ro_auto = false;
                    }
                    "required" if matches!(m.kind, MountType::Secret | MountType::Ssh) => {
                        m.required = true;
                    }
                    "required" => return Err(fail(wrong_type(&key, m.kind))),
                    _ => {
                        return Err(fail(format!(
                            "invalid field '{}' must be a key=value pair",
                            field.text
                        )))
                    }
                }
                continue;
            };
            let value = expand(&raw_value.value).map_err(|e| fail(e.to_string()))?;
            let bool_value = || {
                goparse::parse_bool(&value)
                    .ok_or_else(|| fail(format!("invalid value for {key}: {value}")))
            };
            match key.as_str() {
                "type" => {
                    let Some(kind) = MountType::parse(&goparse::lower(&value)) else {
                        let message = format!("unsupported mount type {}", quote(&value));
                        return Err(fail(with_suggestion(message, &value, MOUNT_TYPES)));
                    };
                    m.kind = kind;
                }
                "from" => m.from = value,
                "source" | "src" => m.source = value,
                "target" | "dst" | "destination" => m.target = value,
                "readonly" | "ro" => {
                    m.readonly = bool_value()?;
                    ro_auto = false;
                }
                "readwrite" | "rw" => {
                    m.readonly = !bool_value()?;
                    ro_auto = false;
                }
                "required" => {
                    if !matches!(m.kind, MountType::Secret | MountType::Ssh) {
                        return Err(fail(wrong_type(&key, m.kind)));
                    }
                    m.required = bool_value()?;
                }
                "size" => {
                    if m.kind != MountType::Tmpfs {
                        return Err(fail(wrong_type(&key, m.kind)));
                    }
                    m.size_limit = goparse::ram_in_bytes(&value)
                        .ok_or_else(|| fail(format!("invalid value for {key}: {value}")))?;
                }
                "id" => m.cache_id = value,
                "sharing" => {
                    m.cache_sharing = Some(match goparse::lower(&value).as_str() {
                        "shared" => ShareMode::Shared,
                        "private" => ShareMode::Private,
                        "locked" => ShareMode::Locked,
                        _ => {
                            let message = format!("unsupported sharing value {}", quote(&value));
                            return Err(fail(with_suggestion(message, &value, SHARE_MODES)));
                        }
                    });
                }
                "mode" | "uid" | "gid" => {
                    let base = if key == "mode" { 8 } else { 10 };
                    let n = goparse::parse_uint(&value, base, 32)
                        .map_err(|_| fail(format!("invalid value {value} for {key}")))?;
                    match key.as_str() {
                        "mode" => m.mode = Some(n),
                        "uid" => m.uid = Some(n),
                        _ => m.gid = Some(n),
                    }
                }
                "env" => m.env = Some(value),
                _ => {
                    let message = format!("unexpected key '{key}' in '{}'", field.text);
                    return Err(fail(with_suggestion(message, &key, MOUNT_KEYS)));
                }
            }
        }
        self.check(&mut m, ro_auto)?;
        Ok(m)
    }

    /// The whole-mount rules applied after the fields.
    fn check(&self, m: &mut Mount, ro_auto: bool) -> Result<(), MountError> {
        let fail = |message: String| {
            Err(MountError {
                message,
                span: self.raw.span,
            })
        };
        let type_name = quote(m.kind.as_str());
        if !matches!(
            m.kind,
            MountType::Secret | MountType::Ssh | MountType::Cache
        ) {
            if m.mode.is_some() {
                return fail(format!("mode not allowed for {type_name} type mounts"));
            }
            if m.uid.is_some() {
                return fail(format!("uid not allowed for {type_name} type mounts"));
            }
            if m.gid.is_some() {
                return fail(format!("gid not allowed for {type_name} type mounts"));
            }
        }
        if ro_auto {
            m.readonly = !matches!(m.kind, MountType::Cache | MountType::Tmpfs);
        }
        if m.kind == MountType::Secret {
            if !m.from.is_empty() {
                return fail("secret mount should not have a from".into());
            }
            if m.cache_sharing.is_some() {
                return fail("secret mount should not define sharing".into());
            }
            if m.source.is_empty() && m.target.is_empty() && m.cache_id.is_empty() {
                return fail("invalid secret mount. one of source, target required".into());
            }
            if !m.source.is_empty() && !m.cache_id.is_empty() {
                return fail("both source and id can't be set".into());
            }
        }
        if m.cache_sharing.is_some() && m.kind != MountType::Cache {
            return fail(format!("invalid cache sharing set for {} mount", m.kind));
        }
        Ok(())
    }
}

fn wrong_type(key: &str, kind: MountType) -> String {
    format!("unexpected key '{key}' for mount type '{kind}'")
}

fn with_suggestion(message: String, value: &str, options: &[&str]) -> String {
    match suggest::search(value, options, true) {
        Some(s) => format!("{message} (did you mean {s}?)"),
        None => message,
    }
}

/// BuildKit rejects `from=` values whose first `$` is not their last character.
fn has_inner_dollar(value: &str) -> bool {
    value.find('$').is_some_and(|i| i != value.len() - 1)
}

#[cfg(test)]
#[path = "mount_tests.rs"]
mod tests;
