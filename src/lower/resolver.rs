//! Image resolution, the only I/O lowering does: [`ImageResolver`] turns a normalized
//! reference and a platform into the manifest digest to pin and the image config bytes.
//!
//! [`LayoutResolver`] serves every reference from one OCI image layout on disk (for tests
//! and offline runs, as the fidelity references were made); the registry-backed resolver
//! lives in `crate::registry`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::platform::Platform;

/// A resolved image: the digest to pin and the raw config JSON.
#[derive(Clone, Debug)]
pub struct ResolvedImage {
    pub digest: String,
    pub config: Vec<u8>,
}

/// Why an image could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("{reference}: {message}")]
    Failed { reference: String, message: String },
}

pub trait ImageResolver {
    /// Resolves `reference` (normalized, e.g. `docker.io/library/alpine:3`) for `platform`.
    fn resolve(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, ResolveError>;
}

/// Serves every reference from one OCI image layout directory.
#[derive(Clone, Debug)]
pub struct LayoutResolver {
    root: PathBuf,
}

impl LayoutResolver {
    pub fn new(root: impl Into<PathBuf>) -> LayoutResolver {
        LayoutResolver { root: root.into() }
    }

    fn blob(&self, digest: &str) -> Result<Vec<u8>, String> {
        let (alg, hex) = digest
            .split_once(':')
            .ok_or_else(|| format!("invalid digest {digest}"))?;
        let p = self.root.join("blobs").join(alg).join(hex);
        std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))
    }
}

fn read_json(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// From an index (or manifest list), the descriptor matching `platform`, else the first.
pub fn pick_manifest<'a>(index: &'a Value, platform: &Platform) -> Option<&'a Value> {
    let manifests = index.get("manifests")?.as_array()?;
    manifests
        .iter()
        .find(|m| {
            let p = m.get("platform");
            let field = |k: &str| {
                p.and_then(|p| p.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            field("os") == platform.os
                && field("architecture") == platform.architecture
                && (platform.variant.is_empty() || field("variant") == platform.variant)
        })
        .or_else(|| manifests.iter().find(|m| m.get("platform").is_none()))
        .or(manifests.first())
}

fn is_index(v: &Value) -> bool {
    v.get("manifests").is_some()
}

impl LayoutResolver {
    fn resolve_inner(&self, platform: &Platform) -> Result<ResolvedImage, String> {
        let index = read_json(
            &std::fs::read(self.root.join("index.json"))
                .map_err(|e| format!("{}: {e}", Path::new(&self.root).display()))?,
        )?;
        let mut desc = pick_manifest(&index, platform)
            .ok_or("no manifest in layout")?
            .clone();
        let mut digest = str_field(&desc, "digest")?;
        let mut manifest = read_json(&self.blob(&digest)?)?;
        if is_index(&manifest) {
            desc = pick_manifest(&manifest, platform)
                .ok_or("no manifest for platform")?
                .clone();
            digest = str_field(&desc, "digest")?;
            manifest = read_json(&self.blob(&digest)?)?;
        }
        let config_digest = manifest
            .get("config")
            .map(|c| str_field(c, "digest"))
            .ok_or("manifest has no config")??;
        Ok(ResolvedImage {
            digest,
            config: self.blob(&config_digest)?,
        })
    }
}

fn str_field(v: &Value, k: &str) -> Result<String, String> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("descriptor without {k}"))
}

impl ImageResolver for LayoutResolver {
    fn resolve(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, ResolveError> {
        self.resolve_inner(platform)
            .map_err(|message| ResolveError::Failed {
                reference: reference.to_string(),
                message,
            })
    }
}
