//! `docker-image://` sources served from an OCI image layout on disk
//! (`--oci-layout DIR`) instead of a registry: the offline image source, as
//! `dfc compile --oci-layout` resolves images.
//!
//! A reference pinned by digest is read from `blobs/sha256/`; a tag picks the
//! `index.json` entries named by it (`org.opencontainers.image.ref.name` is
//! the tag or the whole reference), else, when no entry is named so, every
//! entry (the layout then serves any name, as the compiler's layout resolver
//! does). Every blob is checked against its digest as it is copied.
//!
//! What it does not do: fall back to a registry, or write to the layout.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::error::{OpError, SourceError};
use crate::registry::Reference;

fn err(dir: &Path, reason: String) -> OpError {
    OpError::Source(SourceError::Layout {
        dir: dir.to_path_buf(),
        reason,
    })
}

/// The file of blob `digest` (`sha256:<hex>`) in the layout.
fn blob_path(dir: &Path, digest: &str) -> Result<PathBuf, OpError> {
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| err(dir, format!("digest {digest:?} is not sha256")))?;
    Ok(dir.join("blobs/sha256").join(hex))
}

fn read_blob(dir: &Path, r: &Reference, digest: &str) -> Result<Vec<u8>, OpError> {
    let path = blob_path(dir, digest)?;
    let bytes = fs::read(&path).map_err(|e| {
        err(
            dir,
            format!("{r}: blob {digest} not found ({e}); the layout does not hold this image"),
        )
    })?;
    let got = llb_schema::digest(&bytes).to_string();
    if got != digest {
        return Err(err(dir, format!("blob {digest} has digest {got}")));
    }
    Ok(bytes)
}

/// The manifest (or index) bytes and digest that `lookup` (a tag or a
/// digest) names in the layout.
pub(crate) fn manifest(
    dir: &Path,
    r: &Reference,
    lookup: &str,
) -> Result<(Vec<u8>, String), OpError> {
    if lookup.starts_with("sha256:") {
        return Ok((read_blob(dir, r, lookup)?, lookup.to_string()));
    }
    let index_path = dir.join("index.json");
    let bytes = fs::read(&index_path).map_err(|e| {
        err(
            dir,
            format!("cannot read index.json: {e}; is this an OCI image layout?"),
        )
    })?;
    let index: Value = serde_json::from_slice(&bytes)
        .map_err(|e| err(dir, format!("index.json is not JSON: {e}")))?;
    let entries = index["manifests"]
        .as_array()
        .ok_or_else(|| err(dir, "index.json has no manifests".into()))?;
    let full = r.to_string();
    let named: Vec<&Value> = entries
        .iter()
        .filter(|m| {
            let a = &m["annotations"];
            [
                &a["org.opencontainers.image.ref.name"],
                &a["io.containerd.image.name"],
            ]
            .iter()
            .any(|n| n.as_str().is_some_and(|n| n == lookup || n == full))
        })
        .collect();
    let picked: Vec<&Value> = if named.is_empty() {
        entries.iter().collect()
    } else {
        named
    };
    match picked.as_slice() {
        [] => Err(err(dir, "index.json lists no image".into())),
        [one] => {
            let d = one["digest"]
                .as_str()
                .ok_or_else(|| err(dir, "index.json entry without digest".into()))?;
            Ok((read_blob(dir, r, d)?, d.to_string()))
        }
        many => {
            // Several candidates: hand them over as an index, so the caller
            // picks one by platform as it does for a registry's index.
            let sub = serde_json::json!({"schemaVersion": 2, "manifests": many});
            let bytes = serde_json::to_vec(&sub).map_err(|e| err(dir, e.to_string()))?;
            let d = llb_schema::digest(&bytes).to_string();
            Ok((bytes, d))
        }
    }
}

/// Copies blob `digest` from the layout to `dest`, checking its digest.
pub(crate) fn blob_to(dir: &Path, r: &Reference, digest: &str, dest: &Path) -> Result<(), OpError> {
    let src = blob_path(dir, digest)?;
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source: io::Error| OpError::Source(SourceError::Io { path, source })
    };
    let mut f = fs::File::open(&src).map_err(|e| {
        err(
            dir,
            format!("{r}: blob {digest} not found ({e}); the layout does not hold this image"),
        )
    })?;
    let parent = dest.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(io_err(parent))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io_err(&src))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(io_err(tmp.path()))?;
    }
    let got = llb_schema::Digest::from_bytes(h.finalize().into()).to_string();
    if got != digest {
        return Err(err(dir, format!("blob {digest} has digest {got}")));
    }
    tmp.persist(dest).map_err(|e| io_err(dest)(e.error))?;
    Ok(())
}
