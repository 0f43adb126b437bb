//! The OCI layout exporter on solved snapshots: the tar's index, manifest,
//! config and layer are read back and checked file by file; two exports with
//! the same SOURCE_DATE_EPOCH are byte-identical; a second layer holds only
//! the changes, with whiteouts for removals.

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
