//! Pushing an image to a registry (`--output type=image,name=...,push=true`):
//! the same layers, config and manifest bytes as the OCI exporter, uploaded
//! blob by blob (skipping blobs the registry has; base layers mounted from the
//! base image's repository when it lives on the same registry), then the
//! manifest under the name's tag.

use std::path::Path;

use llb_schema::digest;

use super::oci::{build_layers, manifest_json, ExportedImage, ImageRequest};
use super::ExportError;
use crate::registry::{Client, Reference, RegistryError};

/// Why a push failed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The image name is not a reference.
    #[error("cannot push: {0}")]
    Name(#[from] crate::registry::ReferenceError),
    /// Building the layers failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The registry refused or could not be reached.
    #[error("cannot push")]
    Registry(#[from] RegistryError),
}

/// Pushes the image to `name`, staging new layers in `tmp`.
pub fn push(
    req: &ImageRequest,
    name: &str,
    client: &Client,
    tmp: &Path,
) -> Result<ExportedImage, PushError> {
    let r = Reference::parse_normalized(name)?.tag_name_only();
    let mount_from = req
        .base
        .as_deref()
        .and_then(|b| Reference::parse_normalized(b).ok())
        .filter(|b| b.domain == r.domain)
        .map(|b| b.path);
    let (layers, files, config_bytes) = build_layers(req, tmp)?;
    for (d, path) in &files {
        client.push_blob(&r, &d.to_string(), path, mount_from.as_deref())?;
    }
    let config_digest = digest(&config_bytes);
    let cfg_path = tmp.join("config.json");
    std::fs::write(&cfg_path, &config_bytes).map_err(super::io_err("write", &cfg_path))?;
    client.push_blob(&r, &config_digest.to_string(), &cfg_path, None)?;
    let manifest = manifest_json(&layers, &config_bytes)?;
    let reference = r
        .tag
        .clone()
        .unwrap_or_else(|| digest(&manifest).to_string());
    client.push_manifest(
        &r,
        &reference,
        "application/vnd.oci.image.manifest.v1+json",
        &manifest,
    )?;
    Ok(ExportedImage {
        manifest: digest(&manifest),
        config: config_digest,
        layers,
    })
}
