//! From a solved result to an image request: the lineage's root becomes the
//! base (an image's own layer blobs and config, reused as they are; any
//! other root one full layer), each later step one diff layer.

use std::path::PathBuf;

use serde_json::Value;

use super::layer::{Compression, LayerBlob};
use super::oci::{ImageRequest, LayerSource, LayerSpec};
use super::ExportError;
use crate::lineage::LineageStep;
use crate::store::Store;

/// Layers of `lineage` and the base image's config (`{}` if the root is not
/// an image).
pub fn image_request(
    store: &Store,
    lineage: &[LineageStep],
    epoch: Option<i64>,
    compression: Compression,
) -> Result<ImageRequest, ExportError> {
    let mut layers = Vec::new();
    let mut config = serde_json::json!({});
    let mut base = None;
    let mut prev: Option<PathBuf> = None;
    for (i, step) in lineage.iter().enumerate() {
        let path = store.snapshot_path(&step.snapshot);
        let meta = if i == 0 && step.image {
            store.image_meta(&step.snapshot)
        } else {
            None
        };
        if let Some(meta) = meta {
            let v: Value = serde_json::from_slice(&meta).map_err(|_| ExportError::BadConfig)?;
            let diff_ids = v["config"]["rootfs"]["diff_ids"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let descs = v["manifest"]["layers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if diff_ids.len() != descs.len() {
                return Err(ExportError::BadConfig);
            }
            for (d, id) in descs.iter().zip(&diff_ids) {
                let parse = |x: &Value| {
                    x.as_str()
                        .and_then(|s| s.parse::<llb_schema::Digest>().ok())
                        .ok_or(ExportError::BadConfig)
                };
                let digest = parse(&d["digest"])?;
                layers.push(LayerSpec {
                    source: LayerSource::Blob {
                        path: store.blob_path(&digest),
                        blob: LayerBlob {
                            digest,
                            size: d["size"].as_u64().unwrap_or(0),
                            diff_id: parse(id)?,
                            media_type: d["mediaType"].as_str().unwrap_or("").to_string(),
                            entries: 1,
                        },
                    },
                    created_by: step.name.clone(),
                });
            }
            base = v["reference"].as_str().map(str::to_string);
            config = v["config"].clone();
            if let Some(o) = config.as_object_mut() {
                o.remove("rootfs");
            }
        } else {
            layers.push(LayerSpec {
                source: LayerSource::Tree {
                    upper: path.clone(),
                    lower: prev.clone(),
                },
                created_by: step.name.clone(),
            });
        }
        prev = Some(path);
    }
    Ok(ImageRequest {
        layers,
        config,
        name: None,
        epoch,
        compression,
        compression_level: None,
        docker: false,
        base,
    })
}
