//! From a solved result to an image request: the lineage's root becomes the
//! base (an image's own layer blobs and config, reused as they are; any
//! other root one full layer), each later step one diff layer.
//!
//! The image config is the one the frontend put in-band on the terminal op
//! ([`llb_schema::IMAGE_CONFIG_KEY`], see [`inband_config`]) when there is
//! one, else the base image's; the exporter completes it (`rootfs`, history).
//! The frontend's SOURCE_DATE_EPOCH travels the same way ([`inband_epoch`]).

use serde_json::Value;

use super::layer::{Compression, LayerBlob};
use super::oci::{ImageRequest, LayerSource, LayerSpec};
use super::ExportError;
use crate::lineage::LineageStep;
use crate::store::Store;
use llb_schema::ValidatedDefinition;

/// The image config the frontend put on the terminal op's metadata, if any:
/// a JSON object with `os` and `architecture`, as BuildKit's exporter
/// requires of the config it is given.
pub fn inband_config(def: &ValidatedDefinition) -> Result<Option<Value>, ExportError> {
    let Some(terminal) = def.graph().terminal() else {
        return Ok(None);
    };
    let Some(text) = def
        .metadata(&terminal.digest)
        .and_then(|m| m.description.get(llb_schema::IMAGE_CONFIG_KEY))
    else {
        return Ok(None);
    };
    let bad = |reason: String| ExportError::InbandConfig { reason };
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad("not a JSON object".into()))?;
    for key in ["os", "architecture"] {
        if !obj
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
        {
            return Err(bad(format!("missing {key}")));
        }
    }
    if obj.get("history").is_some_and(|h| !h.is_array()) {
        return Err(bad("history is not an array".into()));
    }
    Ok(Some(v))
}

/// The SOURCE_DATE_EPOCH the frontend put on the terminal op's metadata
/// ([`llb_schema::EPOCH_KEY`]), if any: decimal seconds.
pub fn inband_epoch(def: &ValidatedDefinition) -> Result<Option<i64>, ExportError> {
    let Some(terminal) = def.graph().terminal() else {
        return Ok(None);
    };
    let Some(text) = def
        .metadata(&terminal.digest)
        .and_then(|m| m.description.get(llb_schema::EPOCH_KEY))
    else {
        return Ok(None);
    };
    text.parse()
        .map(Some)
        .map_err(|e| ExportError::InbandEpoch {
            value: text.clone(),
            reason: format!("{e}"),
        })
}

/// The image request for a solve of `def`: the layers of its lineage, and
/// the in-band image config when the definition carries one (else the base
/// image's).
pub fn image_request_for(
    store: &Store,
    def: &ValidatedDefinition,
    lineage: &[LineageStep],
    epoch: Option<i64>,
    compression: Compression,
) -> Result<ImageRequest, ExportError> {
    let mut req = image_request(store, lineage, epoch, compression)?;
    if let Some(config) = inband_config(def)? {
        req.config = config;
    }
    Ok(req)
}

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
    for step in lineage {
        let path = store.snapshot_path(&step.snapshot);
        let meta = if step.lower.is_none() && step.image {
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
            // The first image of the lineage is the base whose config the image keeps
            // (and whose repository a push mounts layers from).
            if config.as_object().is_some_and(|o| o.is_empty()) {
                base = v["reference"].as_str().map(str::to_string);
                config = v["config"].clone();
                if let Some(o) = config.as_object_mut() {
                    o.remove("rootfs");
                }
            }
        } else {
            layers.push(LayerSpec {
                source: LayerSource::Tree {
                    upper: path,
                    lower: step.lower.map(|s| store.snapshot_path(&s)),
                },
                created_by: step.name.clone(),
            });
        }
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
