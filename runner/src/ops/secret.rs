//! An exec op's secrets, looked up in the solve's [`SecretProvider`]: secret mounts
//! (`secretOpt`) become [`SecretFile`]s and `meta.secretenv` entries environment
//! variables, both handed to the executor and never written anywhere by the runner.
//!
//! BuildKit's rules: a secret that is not provided is an error unless the mount or
//! variable is `optional`; an optional secret mount then gets no file at all (no mount
//! point either), while an optional secret variable is set to the empty string (BuildKit
//! appends `NAME=` with no value). Only an uncached step asks for its secrets, so a
//! cached step needs none (a changed secret value does not rerun it: secrets are not in
//! cache keys).
//!
//! What it does not do: mount or write files (the executor does, in a tmpfs private to
//! the container's mount namespace; see `exec/secret.rs`).

use llb_schema::pb::{ExecOp, Mount};

use super::OpContext;
use crate::error::OpError;
use crate::exec::SecretFile;
use crate::secrets::{SecretBytes, SecretError};

/// The file of a secret mount placed after `after` executor mounts, or `None` for an
/// optional secret that was not provided.
pub(super) fn file(
    ctx: &OpContext<'_>,
    m: &Mount,
    after: usize,
) -> Result<Option<SecretFile>, OpError> {
    let opt = m.secret_opt.clone().unwrap_or_default();
    if opt.id.is_empty() {
        return Err(SecretError::NoId {
            what: format!("secret mount {}", m.dest),
        }
        .into());
    }
    let Some(data) = lookup(ctx, &opt.id, opt.optional)? else {
        return Ok(None);
    };
    Ok(Some(SecretFile {
        dest: m.dest.clone(),
        data,
        uid: opt.uid,
        gid: opt.gid,
        mode: opt.mode & 0o777,
        after,
    }))
}

/// The secret environment variables of `e`, in op order.
pub(super) fn env(ctx: &OpContext<'_>, e: &ExecOp) -> Result<Vec<(String, SecretBytes)>, OpError> {
    let mut out = Vec::with_capacity(e.secretenv.len());
    for s in &e.secretenv {
        if s.id.is_empty() {
            return Err(SecretError::NoId {
                what: format!("secret variable {}", s.name),
            }
            .into());
        }
        if s.name.is_empty() || s.name.contains(['=', '\0']) {
            return Err(SecretError::BadEnvName {
                id: s.id.clone(),
                name: s.name.clone(),
            }
            .into());
        }
        let value = lookup(ctx, &s.id, s.optional)?.unwrap_or_else(|| SecretBytes::new(Vec::new()));
        if value.expose().contains(&0) {
            return Err(SecretError::NulInEnv { id: s.id.clone() }.into());
        }
        out.push((s.name.clone(), value));
    }
    Ok(out)
}

fn lookup(ctx: &OpContext<'_>, id: &str, optional: bool) -> Result<Option<SecretBytes>, OpError> {
    match ctx.secrets.get(id) {
        Some(v) => Ok(Some(v)),
        None if optional => Ok(None),
        None => Err(SecretError::Missing { id: id.to_string() }.into()),
    }
}
