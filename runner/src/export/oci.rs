//! OCI image layout tarballs (`--output type=oci`): `oci-layout`,
//! `index.json` (one manifest, named by `org.opencontainers.image.ref.name`
//! when a name is given) and `blobs/sha256/*`: the gzipped layers, the image
//! config and the manifest. The config is the caller's (from the build's
//! in-band metadata) with `rootfs` filled in and history completed so that
//! every layer has an entry.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use llb_schema::{digest, Digest};
use serde_json::{json, Map, Value};

use super::layer::{self, Compression, LayerBlob};
use super::{io_err, ExportError};

/// Where a layer's bytes come from.
#[derive(Debug, Clone)]
pub enum LayerSource {
    /// The changes from `lower` (or everything, if `None`) to `upper`.
    Tree {
        /// The snapshot tree after this layer.
        upper: PathBuf,
        /// The snapshot tree before it.
        lower: Option<PathBuf>,
    },
    /// An existing blob (a base image's layer), reused byte for byte.
    Blob {
        /// The blob file.
        path: PathBuf,
        /// Its descriptor and diff id.
        blob: LayerBlob,
    },
}

/// One layer with its history text.
#[derive(Debug, Clone)]
pub struct LayerSpec {
    /// The bytes.
    pub source: LayerSource,
    /// History text (`created_by`) for a new layer.
    pub created_by: String,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    /// Layers in order, base first.
    pub layers: Vec<LayerSpec>,
    /// The image config (`config`, `architecture`, `os`, `history`, ...).
    pub config: Value,
    /// Image name for the index annotation.
    pub name: Option<String>,
    /// `SOURCE_DATE_EPOCH`.
    pub epoch: Option<i64>,
    /// Layer compression.
    pub compression: Compression,
    /// Its level (`None`: the compression's default).
    pub compression_level: Option<i32>,
    /// Also write Docker's `manifest.json` (`type=docker`: a tar that both
    /// OCI tools and `docker load`/`podman load` read).
    pub docker: bool,
    /// The reference the base image was pulled from, if the root is an image: a push
    /// to the same registry mounts the base layers from it instead of uploading them.
    pub base: Option<String>,
}

/// Docker's familiar form of an image name with a tag (`busybox:latest`,
/// `example.com/a/b:1`), as `RepoTags` wants it.
fn familiar(name: &str) -> Option<String> {
    let r = crate::registry::Reference::parse_normalized(name).ok()?;
    let repo = if r.domain == "docker.io" {
        r.path
            .strip_prefix("library/")
            .unwrap_or(&r.path)
            .to_string()
    } else {
        format!("{}/{}", r.domain, r.path)
    };
    Some(format!("{repo}:{}", r.tag.as_deref().unwrap_or("latest")))
}

/// What was exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedImage {
    /// Digest of the manifest.
    pub manifest: Digest,
    /// Digest of the config.
    pub config: Digest,
    /// The layers.
    pub layers: Vec<LayerBlob>,
}

/// RFC 3339 UTC time of a Unix timestamp.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm",
        "s390x" => "s390x",
        "powerpc64" => "ppc64le",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// Completes the config: platform defaults, `rootfs`, and a history that
/// accounts for every layer, by BuildKit's exporter rules: the k-th history
/// entry without `empty_layer` describes the k-th layer; entries beyond the
/// last layer are marked empty, layers beyond the last entry get one
/// (`created_by` = the step's name). A step whose layer was dropped because
/// it changes nothing has its entry marked `empty_layer`. With an epoch,
/// entries without a time get it, and so does the image's `created`.
fn complete_config(
    mut config: Value,
    layers: &[LayerBlob],
    steps: &[(String, bool)],
    epoch: Option<i64>,
) -> Result<Value, ExportError> {
    let obj: &mut Map<String, Value> = config.as_object_mut().ok_or(ExportError::BadConfig)?;
    obj.entry("architecture")
        .or_insert_with(|| json!(host_arch()));
    obj.entry("os").or_insert_with(|| json!("linux"));
    obj.insert(
        "rootfs".into(),
        json!({"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.to_string()).collect::<Vec<_>>()}),
    );
    let history = obj
        .entry("history")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or(ExportError::BadConfig)?;
    let is_empty = |h: &Value| {
        h.get("empty_layer")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    // Entries that claim more layers than there are steps become empty.
    let mut claimed = 0;
    for h in history.iter_mut() {
        if is_empty(h) {
            continue;
        }
        if claimed >= steps.len() {
            if let Some(o) = h.as_object_mut() {
                o.insert("empty_layer".into(), json!(true));
            }
        } else {
            claimed += 1;
        }
    }
    // Steps without an entry get one.
    for (by, _) in &steps[claimed..] {
        history.push(json!({"created_by": by, "comment": "dfc"}));
    }
    // The k-th layer entry belongs to step k: dropped steps make it empty.
    let mut k = 0;
    for h in history.iter_mut() {
        if is_empty(h) {
            continue;
        }
        if let (Some((_, dropped)), Some(o)) = (steps.get(k), h.as_object_mut()) {
            if *dropped {
                o.insert("empty_layer".into(), json!(true));
            }
        }
        k += 1;
    }
    if let Some(e) = epoch {
        for h in history.iter_mut() {
            if let Some(o) = h.as_object_mut() {
                o.entry("created").or_insert_with(|| json!(rfc3339(e)));
            }
        }
        obj.insert("created".into(), json!(rfc3339(e)));
    }
    Ok(config)
}

/// The OCI image manifest for these layers and config bytes.
pub(crate) fn manifest_json(
    layers: &[LayerBlob],
    config_bytes: &[u8],
) -> Result<Vec<u8>, ExportError> {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config_bytes).to_string(), "size": config_bytes.len()},
        "layers": layers.iter().map(|l| json!({"mediaType": l.media_type, "digest": l.digest.to_string(), "size": l.size})).collect::<Vec<_>>(),
    });
    serde_json::to_vec(&manifest).map_err(|_| ExportError::BadConfig)
}

/// Layer files (digest, path) written or reused for an image.
pub(crate) type LayerFiles = Vec<(Digest, PathBuf)>;

/// Writes (or reuses) every layer and completes the config: the layers'
/// descriptors, their files, and the config bytes. Layers that change
/// nothing are dropped and recorded as `empty_layer` history.
pub(crate) fn build_layers(
    req: &ImageRequest,
    tmp: &Path,
) -> Result<(Vec<LayerBlob>, LayerFiles, Vec<u8>), ExportError> {
    let mut layers = Vec::new();
    let mut files = Vec::new();
    let mut history = Vec::new();
    for (i, spec) in req.layers.iter().enumerate() {
        let (blob, path) = match &spec.source {
            LayerSource::Blob { path, blob } => (blob.clone(), path.clone()),
            LayerSource::Tree { upper, lower } => {
                let path = tmp.join(format!("layer-{i}"));
                let blob = layer::write_layer_at(
                    upper,
                    lower.as_deref(),
                    req.epoch,
                    req.compression,
                    req.compression_level,
                    &path,
                )
                .map_err(io_err("write layer of", upper))?;
                if blob.entries == 0 && lower.is_some() {
                    history.push((spec.created_by.clone(), true));
                    continue;
                }
                (blob, path)
            }
        };
        history.push((spec.created_by.clone(), false));
        files.push((blob.digest, path));
        layers.push(blob);
    }
    let config = complete_config(req.config.clone(), &layers, &history, req.epoch)?;
    let bytes = serde_json::to_vec(&config).map_err(|_| ExportError::BadConfig)?;
    Ok((layers, files, bytes))
}

/// Writes the image as an OCI layout tar to `out`, staging blobs in `tmp`.
pub fn write_oci_tar(
    req: &ImageRequest,
    tmp: &Path,
    out: &mut dyn Write,
) -> Result<ExportedImage, ExportError> {
    let (layers, files, config_bytes) = build_layers(req, tmp)?;
    let config_digest = digest(&config_bytes);
    let manifest_bytes = manifest_json(&layers, &config_bytes)?;
    let manifest_digest = digest(&manifest_bytes);
    let mut desc = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest.to_string(), "size": manifest_bytes.len()});
    if let Some(name) = &req.name {
        desc["annotations"] =
            json!({"org.opencontainers.image.ref.name": name, "io.containerd.image.name": name});
    }
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [desc]});
    let index_bytes = serde_json::to_vec(&index).map_err(|_| ExportError::BadConfig)?;

    let mtime = req.epoch.unwrap_or(0).max(0) as u64;
    let mut b = tar::Builder::new(out);
    let w = |e: io::Error| ExportError::Io {
        what: "write",
        path: "output".into(),
        source: e,
    };
    let dir = |b: &mut tar::Builder<&mut dyn Write>, p: &str| -> Result<(), ExportError> {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_mtime(mtime);
        h.set_size(0);
        b.append_data(&mut h, p, io::empty()).map_err(w)
    };
    dir(&mut b, "blobs/")?;
    dir(&mut b, "blobs/sha256/")?;
    let file = |b: &mut tar::Builder<&mut dyn Write>,
                p: &str,
                size: u64,
                r: &mut dyn io::Read|
     -> Result<(), ExportError> {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_mtime(mtime);
        h.set_size(size);
        b.append_data(&mut h, p, r).map_err(w)
    };
    let mut blobs: Vec<(Digest, Option<&Path>, &[u8])> = vec![
        (config_digest, None, &config_bytes),
        (manifest_digest, None, &manifest_bytes),
    ];
    for (d, p) in &files {
        blobs.push((*d, Some(p.as_path()), &[]));
    }
    blobs.sort_by_key(|b| b.0);
    blobs.dedup_by_key(|b| b.0);
    for (d, path, bytes) in blobs {
        let name = format!("blobs/sha256/{}", d.hex());
        match path {
            Some(p) => {
                let mut f = fs::File::open(p).map_err(io_err("read", p))?;
                let size = f.metadata().map_err(io_err("stat", p))?.len();
                file(&mut b, &name, size, &mut f)?;
            }
            None => file(&mut b, &name, bytes.len() as u64, &mut &bytes[..])?,
        }
    }
    file(
        &mut b,
        "index.json",
        index_bytes.len() as u64,
        &mut &index_bytes[..],
    )?;
    if req.docker {
        let tags: Vec<String> = req.name.as_deref().and_then(familiar).into_iter().collect();
        let m = json!([{
            "Config": format!("blobs/sha256/{}", config_digest.hex()),
            "RepoTags": tags,
            "Layers": layers.iter().map(|l| format!("blobs/sha256/{}", l.digest.hex())).collect::<Vec<_>>(),
        }]);
        let mb = serde_json::to_vec(&m).map_err(|_| ExportError::BadConfig)?;
        file(&mut b, "manifest.json", mb.len() as u64, &mut &mb[..])?;
    }
    let layout = br#"{"imageLayoutVersion":"1.0.0"}"#;
    file(&mut b, "oci-layout", layout.len() as u64, &mut &layout[..])?;
    b.into_inner().map_err(w)?.flush().map_err(w)?;
    Ok(ExportedImage {
        manifest: manifest_digest,
        config: config_digest,
        layers,
    })
}

#[cfg(test)]
mod tests {
    use super::{complete_config, rfc3339, LayerBlob};
    use serde_json::{json, Value};

    fn blob(n: u8) -> LayerBlob {
        let d = llb_schema::digest(&[n]);
        LayerBlob {
            digest: d,
            size: 1,
            diff_id: d,
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
            entries: 1,
        }
    }

    fn shape(config: &Value) -> Vec<(String, bool, Option<String>)> {
        config["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["created_by"].as_str().unwrap().to_string(),
                    h["empty_layer"] == true,
                    h["created"].as_str().map(str::to_string),
                )
            })
            .collect()
    }

    #[test]
    fn history_is_matched_to_layers_and_a_dropped_step_becomes_empty() {
        // The frontend's config: a base layer, ENV, then RUN a, RUN b (b changed nothing).
        let config = json!({"os": "linux", "architecture": "amd64", "history": [
            {"created_by": "base", "created": "2020-01-01T00:00:00Z"},
            {"created_by": "ENV x", "empty_layer": true},
            {"created_by": "RUN a"},
            {"created_by": "RUN b"},
        ]});
        let steps = [
            ("FROM".to_string(), false),
            ("[2/3] RUN a".to_string(), false),
            ("[3/3] RUN b".to_string(), true),
        ];
        let out = complete_config(config, &[blob(0), blob(1)], &steps, Some(0)).unwrap();
        let epoch = Some("1970-01-01T00:00:00Z".to_string());
        assert_eq!(
            shape(&out),
            [
                ("base".into(), false, Some("2020-01-01T00:00:00Z".into())),
                ("ENV x".into(), true, epoch.clone()),
                ("RUN a".into(), false, epoch.clone()),
                ("RUN b".into(), true, epoch.clone()),
            ]
        );
        assert_eq!(out["rootfs"]["diff_ids"].as_array().unwrap().len(), 2);
        assert_eq!(out["created"], "1970-01-01T00:00:00Z");
    }

    #[test]
    fn surplus_entries_become_empty_and_missing_ones_are_added() {
        let config = json!({"os": "linux", "architecture": "amd64", "history": [
            {"created_by": "one"}, {"created_by": "two"}, {"created_by": "three"},
        ]});
        let two = [("s1".to_string(), false), ("s2".to_string(), false)];
        let out = complete_config(config, &[blob(0), blob(1)], &two, None).unwrap();
        assert_eq!(
            shape(&out),
            [
                ("one".into(), false, None),
                ("two".into(), false, None),
                ("three".into(), true, None),
            ]
        );
        assert!(out.get("created").is_none());
        // No history at all (hand-written LLB): one entry per step.
        let bare = json!({});
        let out = complete_config(bare, &[blob(0), blob(1)], &two, None).unwrap();
        assert_eq!(
            shape(&out),
            [("s1".into(), false, None), ("s2".into(), false, None)]
        );
        assert_eq!(out["os"], "linux");
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
