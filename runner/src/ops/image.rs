//! `docker-image://` sources: resolve the reference to a manifest (an index
//! picks the op's platform, else the host's), fetch the config and layers
//! into the store's blob directory (verified by digest, shared by builds),
//! and apply the layers in order onto an empty root.
//!
//! With `--oci-layout` the manifest and blobs come from that directory
//! instead (`layout.rs`).
//!
//! The cache key is the manifest digest: a tag that still points to the
//! same manifest is a cache hit without downloading anything.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use llb_schema::pb::Platform;
use serde_json::Value;

use super::OpContext;
use crate::error::{OpError, SourceError};
use crate::registry::{self, Reference, RegistryError};
use crate::store::SnapshotId;

/// A resolved image: its reference and the platform manifest.
pub struct Resolved {
    /// The reference.
    pub reference: Reference,
    /// Digest of the platform manifest.
    pub digest: String,
    /// The manifest.
    pub manifest: Value,
}

fn bad(r: &Reference, reason: String) -> OpError {
    RegistryError::bad(r.to_string(), reason).into()
}

/// Resolves the identifier (after `docker-image://`) to a platform manifest: an index
/// picks the op's platform (else the host's) in containerd's order of preference.
pub fn resolve(
    ctx: &OpContext<'_>,
    name: &str,
    platform: Option<&Platform>,
) -> Result<Resolved, OpError> {
    let reference = Reference::parse_normalized(name)
        .map_err(|_| SourceError::BadAttr {
            key: "identifier".into(),
            value: name.into(),
            reason: "not an image reference",
        })?
        .tag_name_only();
    let target = match platform {
        Some(p) if !p.os.is_empty() => registry::Platform::from_pb(p),
        _ => registry::Platform::host(),
    };
    let Some(dir) = ctx.layout else {
        let resolved = ctx.registry.resolve(&reference, &target)?;
        let manifest: Value = serde_json::from_slice(&resolved.manifest)
            .map_err(|_| bad(&reference, "manifest is not JSON".into()))?;
        return Ok(Resolved {
            reference,
            digest: resolved.manifest_digest,
            manifest,
        });
    };
    // From the layout: an index picks the platform the way the registry client does.
    let mut lookup = reference.lookup().to_string();
    for _ in 0..2 {
        let (bytes, digest) = super::layout::manifest(dir, &reference, &lookup)?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|_| bad(&reference, "manifest is not JSON".into()))?;
        if v.get("manifests").is_some() {
            let d = registry::select_platform(&v, &target)
                .and_then(|m| m["digest"].as_str())
                .ok_or_else(|| {
                    bad(
                        &reference,
                        format!("no manifest for platform {} in the index", target.format()),
                    )
                })?;
            lookup = d.to_string();
            continue;
        }
        return Ok(Resolved {
            reference,
            digest,
            manifest: v,
        });
    }
    Err(bad(&reference, "an index points to another index".into()))
}

/// Copies a blob into the store from the layout, else pulls it.
fn fetch_blob(
    ctx: &OpContext<'_>,
    r: &Reference,
    d: &str,
    dest: &std::path::Path,
) -> Result<(), OpError> {
    match ctx.layout {
        Some(dir) => super::layout::blob_to(dir, r, d, dest),
        None => Ok(ctx.registry.blob_to(r, d, dest)?),
    }
}

/// Pulls the resolved image and builds its root filesystem snapshot.
pub fn run(ctx: &OpContext<'_>, r: &Resolved) -> Result<SnapshotId, OpError> {
    let blobs = ctx.store.root().join("blobs/sha256");
    let io = |p: &PathBuf| {
        let path = p.clone();
        move |e: std::io::Error| SourceError::Io { path, source: e }
    };
    fs::create_dir_all(&blobs).map_err(io(&blobs))?;
    let layers = r.manifest["layers"]
        .as_array()
        .ok_or_else(|| bad(&r.reference, "manifest has no layers".into()))?;
    let stage = ctx.store.staging()?;
    let root = stage.path().join("rootfs");
    fs::create_dir(&root)
        .and_then(|_| fs::set_permissions(&root, fs::Permissions::from_mode(0o755)))
        .map_err(io(&root))?;
    for l in layers {
        let d = l["digest"]
            .as_str()
            .ok_or_else(|| bad(&r.reference, "layer without digest".into()))?;
        let hex = d
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| bad(&r.reference, format!("layer digest {d:?} is not sha256")))?;
        let path = blobs.join(hex);
        if !path.is_file() {
            fetch_blob(ctx, &r.reference, d, &path)?;
        }
        super::layers::apply_layer(&root, &path)
            .map_err(|e| bad(&r.reference, format!("layer {d}: {e}")))?;
    }
    let cfg_digest = r.manifest["config"]["digest"]
        .as_str()
        .ok_or_else(|| bad(&r.reference, "manifest has no config".into()))?;
    let cfg_hex = cfg_digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| bad(&r.reference, "config digest is not sha256".into()))?;
    let cfg_path = blobs.join(cfg_hex);
    if !cfg_path.is_file() {
        fetch_blob(ctx, &r.reference, cfg_digest, &cfg_path)?;
    }
    let config: Value = serde_json::from_slice(&fs::read(&cfg_path).map_err(io(&cfg_path))?)
        .map_err(|_| bad(&r.reference, "image config is not JSON".into()))?;
    let id = ctx.store.commit(&root)?;
    let meta = serde_json::json!({"reference": r.reference.to_string(), "digest": r.digest, "manifest": r.manifest, "config": config});
    ctx.store.set_image_meta(&id, meta.to_string().as_bytes())?;
    Ok(id)
}
