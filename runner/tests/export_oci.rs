//! The OCI layout exporter on solved snapshots: the tar's index, manifest,
//! config and layer are read back and checked file by file; two exports with
//! the same SOURCE_DATE_EPOCH are byte-identical; a second layer holds only
//! the changes, with whiteouts for removals; zstd layers are reproducible, decompress
//! to the diff id, and are read back by skopeo (and umoci, after skopeo recompresses).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;

use common::*;
use llb_schema::pb::{self, file_action::Action};
use runner::export::layer::Compression;
use runner::export::oci::{write_oci_tar, ImageRequest, LayerSource, LayerSpec};
use runner::{Solver, Store};
use serde_json::{json, Value};

/// Entries of a tar: name -> bytes.
fn read_tar(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut ar = tar::Archive::new(bytes);
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        out.insert(name, data);
    }
    out
}

fn blob<'a>(files: &'a BTreeMap<String, Vec<u8>>, digest: &str) -> &'a [u8] {
    &files[&format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"))]
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn oci_tar_has_index_manifest_config_and_layers() {
    let env = Env::new();
    env.write("hello.txt", "hello");
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let base = l.file(
        &[ctx],
        vec![action(
            -1,
            0,
            0,
            Action::Copy(copy("hello.txt", "/app/hello.txt")),
        )],
        "base",
    );
    let top = l.file(
        &[base],
        vec![
            action(0, -1, -1, mkfile("/app/new.txt", b"new", 0o644)),
            action(
                1,
                -1,
                0,
                Action::Rm(pb::FileActionRm {
                    path: "/app/hello.txt".into(),
                    allow_not_found: false,
                    allow_wildcard: false,
                }),
            ),
        ],
        "top",
    );
    let store = Store::open(&env.root()).unwrap();
    let solver = Solver::builder().local("context", env.ctx()).build();
    let base_snap = solver
        .solve(&store, &{
            let mut l2 = Llb::new();
            let c = l2.local("context", &[]);
            let b = l2.file(
                &[c],
                vec![action(
                    -1,
                    0,
                    0,
                    Action::Copy(copy("hello.txt", "/app/hello.txt")),
                )],
                "base",
            );
            l2.finish(b)
        })
        .unwrap()
        .result;
    let top_snap = solver.solve(&store, &l.finish(top)).unwrap().result;
    let (bp, tp) = (
        store.snapshot_path(&base_snap),
        store.snapshot_path(&top_snap),
    );
    let export = |epoch| {
        let req = ImageRequest {
            layers: vec![
                LayerSpec {
                    source: LayerSource::Tree {
                        upper: bp.clone(),
                        lower: None,
                    },
                    created_by: "COPY hello.txt /app/".into(),
                },
                LayerSpec {
                    source: LayerSource::Tree {
                        upper: tp.clone(),
                        lower: Some(bp.clone()),
                    },
                    created_by: "RUN change".into(),
                },
            ],
            config: json!({"config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]}}),
            name: Some("example.com/test:1".into()),
            epoch,
            compression: Compression::Gzip,
            compression_level: None,
            docker: false,
            base: None,
        };
        let tmp = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let img = write_oci_tar(&req, tmp.path(), &mut out).unwrap();
        (img, out)
    };
    let (img, bytes) = export(Some(1_700_000_000));
    let files = read_tar(&bytes);
    assert_eq!(files["oci-layout"], br#"{"imageLayoutVersion":"1.0.0"}"#);
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "example.com/test:1"
    );
    let mdigest = index["manifests"][0]["digest"].as_str().unwrap();
    assert_eq!(mdigest, img.manifest.to_string());
    let manifest: Value = serde_json::from_slice(blob(&files, mdigest)).unwrap();
    let config: Value =
        serde_json::from_slice(blob(&files, manifest["config"]["digest"].as_str().unwrap()))
            .unwrap();
    assert_eq!(config["config"]["Cmd"], json!(["sh"]));
    assert_eq!(config["created"], "2023-11-14T22:13:20Z");
    assert_eq!(config["history"].as_array().unwrap().len(), 2);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    let l0 = read_tar(&gunzip(blob(&files, layers[0]["digest"].as_str().unwrap())));
    assert_eq!(l0.keys().collect::<Vec<_>>(), vec!["app/", "app/hello.txt"]);
    assert_eq!(l0["app/hello.txt"], b"hello");
    let raw1 = gunzip(blob(&files, layers[1]["digest"].as_str().unwrap()));
    assert_eq!(
        config["rootfs"]["diff_ids"][1],
        llb_schema::digest(&raw1).to_string()
    );
    let l1 = read_tar(&raw1);
    assert_eq!(
        l1.keys().collect::<Vec<_>>(),
        vec!["app/", "app/.wh.hello.txt", "app/new.txt"]
    );

    // Reproducible: same epoch, same bytes.
    let (_, again) = export(Some(1_700_000_000));
    assert!(again == bytes, "exports with one SOURCE_DATE_EPOCH differ");
}

#[test]
fn hard_links_survive_copies_and_layers() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    env.write("big.bin", "payload");
    fs::hard_link(env.ctx().join("big.bin"), env.ctx().join("same.bin")).unwrap();
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let def = l.finish(ctx);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &def)
        .unwrap();
    let root = store.snapshot_path(&solved.result);
    assert_eq!(
        fs::metadata(root.join("big.bin")).unwrap().ino(),
        fs::metadata(root.join("same.bin")).unwrap().ino()
    );
    let tmp = tempfile::tempdir().unwrap();
    let blob = runner::export::layer::write_layer(
        &root,
        None,
        None,
        Compression::None,
        &tmp.path().join("l.tar"),
    )
    .unwrap();
    assert_eq!(blob.entries, 2);
    let bytes = fs::read(tmp.path().join("l.tar")).unwrap();
    let mut ar = tar::Archive::new(&bytes[..]);
    let kinds: Vec<(String, tar::EntryType)> = ar
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                e.header().entry_type(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("big.bin".to_string(), tar::EntryType::Regular),
            ("same.bin".to_string(), tar::EntryType::Link)
        ]
    );
}

fn have(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn zstd_layers_are_reproducible_and_read_back_by_skopeo_and_umoci() {
    let env = Env::new();
    env.write("hello.txt", &"hello zstd ".repeat(1000));
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &l.finish(ctx))
        .unwrap();
    let root = store.snapshot_path(&solved.result);
    let export = |compression, level| {
        let req = ImageRequest {
            layers: vec![LayerSpec {
                source: LayerSource::Tree {
                    upper: root.clone(),
                    lower: None,
                },
                created_by: "COPY . /".into(),
            }],
            config: json!({"config": {"Cmd": ["sh"]}}),
            name: Some("latest".into()),
            epoch: Some(1_700_000_000),
            compression,
            compression_level: level,
            docker: false,
            base: None,
        };
        let tmp = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let img = write_oci_tar(&req, tmp.path(), &mut out).unwrap();
        (img, out)
    };
    let (img, bytes) = export(Compression::Zstd, None);
    let (_, again) = export(Compression::Zstd, None);
    assert!(again == bytes, "two zstd exports differ");
    let files = read_tar(&bytes);
    let layer = &img.layers[0];
    assert_eq!(
        layer.media_type,
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    let manifest: Value = serde_json::from_slice(blob(&files, &img.manifest.to_string())).unwrap();
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    let compressed = blob(&files, &layer.digest.to_string());
    assert_eq!(
        &compressed[..4],
        &[0x28, 0xb5, 0x2f, 0xfd],
        "zstd frame magic"
    );
    let mut tar_bytes = Vec::new();
    ruzstd::decoding::StreamingDecoder::new(compressed)
        .unwrap()
        .read_to_end(&mut tar_bytes)
        .unwrap();
    assert_eq!(llb_schema::digest(&tar_bytes), layer.diff_id);
    assert!(compressed.len() < tar_bytes.len() / 4, "compressed");
    // The same tar as an uncompressed export, and as zstd at another level.
    let (plain, _) = export(Compression::None, None);
    assert_eq!(plain.layers[0].diff_id, layer.diff_id);
    let (high, _) = export(Compression::Zstd, Some(19));
    assert_eq!(high.layers[0].diff_id, layer.diff_id);
    assert!(Compression::Zstd.check_level(23).is_err());
    assert!(Compression::Gzip.check_level(10).is_err());
    assert!(Compression::parse("lz4").is_err());

    if !have("skopeo") || !have("umoci") {
        eprintln!("skipping the read-back: skopeo and umoci are not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("img.tar"), &bytes).unwrap();
    let inspect = std::process::Command::new("skopeo")
        .args(["inspect", "--raw", "oci-archive:img.tar"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let raw: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(raw, manifest);
    // skopeo decompresses the zstd layer (verifying it) and writes it gzipped; umoci
    // 0.4 reads no zstd, so it unpacks that copy.
    let copied = std::process::Command::new("skopeo")
        .args([
            "copy",
            "--dest-compress-format",
            "gzip",
            "oci-archive:img.tar",
            "oci:layout:latest",
        ])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let unpack = std::process::Command::new("umoci")
        .args(["unpack", "--rootless", "--image", "layout:latest", "bundle"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        unpack.status.success(),
        "{}",
        String::from_utf8_lossy(&unpack.stderr)
    );
    assert_eq!(
        fs::read_to_string(d.join("bundle/rootfs/hello.txt")).unwrap(),
        "hello zstd ".repeat(1000)
    );
}
