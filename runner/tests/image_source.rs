//! `docker-image://` sources against a real registry (Debian's
//! `docker-registry` on loopback) serving the busybox fixture of
//! `../shared`: pull, layer application, cache hit by manifest digest, and
//! a clear error for an unreachable registry.

mod common;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use llb_schema::pb::{self, op};
use runner::registry::{Client, ClientConfig, Reference};
use runner::{SolveError, Solver, Store};

/// A registry process of this test, stopped on drop.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture() -> Option<std::path::PathBuf> {
    let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/busybox-oci");
    if !layout.exists() {
        assert!(
            std::env::var("DFC_REQUIRE_SHARED").as_deref() != Ok("1"),
            "../shared/fixtures/busybox-oci is missing and DFC_REQUIRE_SHARED=1"
        );
        eprintln!("skipping: ../shared/fixtures/busybox-oci is missing");
        return None;
    }
    Some(layout)
}

/// Starts a registry on a free loopback port and pushes the fixture as `busybox:latest`.
fn registry_with_busybox() -> Option<Registry> {
    let layout = fixture()?;
    if Command::new("docker-registry")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        eprintln!("skipping: docker-registry is not installed (apt-get install docker-registry)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = dir.path().join("config.yml");
    fs::write(&cfg, format!("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n", dir.path().join("data").display())).unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reg = Registry {
        child,
        port,
        _dir: dir,
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "registry did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let client = Client::new(ClientConfig::default());
    let r = Reference::parse_normalized(&format!("127.0.0.1:{port}/busybox:latest")).unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let desc = &index["manifests"][0];
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let mpath = blob(desc["digest"].as_str().unwrap());
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(&mpath).unwrap()).unwrap();
    let mut digests = vec![manifest["config"]["digest"].as_str().unwrap().to_string()];
    digests.extend(
        manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["digest"].as_str().unwrap().to_string()),
    );
    for d in digests {
        client.push_blob(&r, &d, &blob(&d), None).unwrap();
    }
    client
        .push_manifest(
            &r,
            "latest",
            desc["mediaType"].as_str().unwrap(),
            &fs::read(&mpath).unwrap(),
        )
        .unwrap();
    Some(reg)
}

fn image(l: &mut Llb, name: &str) -> llb_schema::Digest {
    let s = pb::SourceOp {
        identifier: format!("docker-image://{name}"),
        attrs: Default::default(),
    };
    let op = pb::Op {
        op: Some(op::Op::Source(s)),
        platform: Some(pb::Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    l.b.push(&op, None)
}

#[test]
fn pulls_an_image_and_caches_it_by_manifest_digest() {
    let Some(reg) = registry_with_busybox() else {
        return;
    };
    let env = Env::new();
    let name = format!("127.0.0.1:{}/busybox:latest", reg.port);
    let build = || {
        let mut l = Llb::new();
        let img = image(&mut l, &name);
        let f = l.file(
            &[img],
            vec![action(0, -1, 0, mkfile("/etc/added", b"x", 0o644))],
            "add file",
        );
        l.finish(f)
    };
    let store = Store::open(&env.root()).unwrap();
    let solver = Solver::builder().build();
    let first = solver.solve(&store, &build()).unwrap();
    let root = store.snapshot_path(&first.result);
    assert!(root.join("bin/busybox").is_file());
    assert!(fs::symlink_metadata(root.join("bin/sh")).is_ok());
    assert_eq!(fs::read_to_string(root.join("etc/added")).unwrap(), "x");
    assert_eq!(first.ran(), 2);
    let second = solver.solve(&store, &build()).unwrap();
    assert_eq!(second.ran(), 0, "{:?}", second.vertices);
    assert_eq!(second.result, first.result);
}

#[test]
fn unreachable_registry_names_the_step() {
    let env = Env::new();
    let mut l = Llb::new();
    let img = image(&mut l, "127.0.0.1:1/nothing:latest");
    let def = l.finish(img);
    let store = Store::open(&env.root()).unwrap();
    let err = Solver::builder().build().solve(&store, &def).unwrap_err();
    let SolveError::Step { name, source, .. } = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(name, "docker-image://127.0.0.1:1/nothing:latest");
    assert!(
        source
            .to_string()
            .contains("cannot reach http://127.0.0.1:1/v2/nothing/manifests/latest"),
        "{source}"
    );
}

#[test]
fn oci_export_reuses_base_layers_and_adds_one_per_step() {
    let Some(reg) = registry_with_busybox() else {
        return;
    };
    let layout = fixture().unwrap();
    let env = Env::new();
    let name = format!("127.0.0.1:{}/busybox:latest", reg.port);
    let mut l = Llb::new();
    let img = image(&mut l, &name);
    let a = l.file(
        &[img],
        vec![action(0, -1, 0, mkfile("/etc/a", b"a", 0o644))],
        "step a",
    );
    let b = l.file(
        &[a],
        vec![action(0, -1, 0, mkfile("/etc/a", b"a", 0o644))],
        "step b (no change)",
    );
    let c = l.file(
        &[b],
        vec![action(0, -1, 0, mkdir("/srv/data", 0o755))],
        "step c",
    );
    let def = l.finish(c);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder().build().solve(&store, &def).unwrap();
    let names: Vec<&str> = solved.lineage.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            format!("docker-image://{name}").as_str(),
            "step a",
            "step b (no change)",
            "step c"
        ]
    );
    let req = runner::export::plan::image_request(
        &store,
        &solved.lineage,
        Some(0),
        runner::export::layer::Compression::Gzip,
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let img = runner::export::oci::write_oci_tar(&req, tmp.path(), &mut out).unwrap();
    let base: serde_json::Value = {
        let index: serde_json::Value =
            serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
        let d = index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:")
            .to_string();
        serde_json::from_slice(&fs::read(layout.join("blobs/sha256").join(d)).unwrap()).unwrap()
    };
    assert_eq!(
        img.layers.len(),
        3,
        "base + step a + step c; step b adds nothing"
    );
    assert_eq!(
        img.layers[0].digest.to_string(),
        base["layers"][0]["digest"].as_str().unwrap()
    );
    let mut ar = tar::Archive::new(&out[..]);
    let config_name = format!("blobs/sha256/{}", img.config.hex());
    let mut config = None;
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_string_lossy() == config_name {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut e, &mut s).unwrap();
            config = Some(serde_json::from_str::<serde_json::Value>(&s).unwrap());
        }
    }
    let config = config.unwrap();
    assert_eq!(config["config"]["Cmd"], serde_json::json!(["sh"]));
    let history = config["history"].as_array().unwrap();
    let by: Vec<&str> = history
        .iter()
        .map(|h| h["created_by"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        &by[by.len() - 3..],
        &["step a", "step b (no change)", "step c"]
    );
    assert_eq!(history[history.len() - 2]["empty_layer"], true);
}

#[test]
fn push_round_trips_through_the_registry() {
    let Some(reg) = registry_with_busybox() else {
        return;
    };
    let env = Env::new();
    let mut l = Llb::new();
    let img = image(&mut l, &format!("127.0.0.1:{}/busybox:latest", reg.port));
    let f = l.file(
        &[img],
        vec![action(0, -1, 0, mkfile("/etc/pushed", b"yes", 0o600))],
        "add pushed",
    );
    let def = l.finish(f);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder().build().solve(&store, &def).unwrap();
    use runner::export::layer::Compression;
    for (compression, tag, media_type) in [
        (
            Compression::Gzip,
            "1",
            "application/vnd.oci.image.layer.v1.tar+gzip",
        ),
        (
            Compression::Zstd,
            "zstd",
            "application/vnd.oci.image.layer.v1.tar+zstd",
        ),
    ] {
        let mut req =
            runner::export::plan::image_request(&store, &solved.lineage, None, compression)
                .unwrap();
        req.compression_level = Some(5);
        let target = format!("127.0.0.1:{}/pushed:{tag}", reg.port);
        let tmp = store.staging().unwrap();
        // The base layer is mounted from busybox's repository, the new one uploaded.
        let pushed = runner::export::push::push(
            &req,
            &target,
            &Client::new(ClientConfig::default()),
            tmp.path(),
        )
        .unwrap();
        assert_eq!(pushed.layers.len(), 2);
        assert_eq!(pushed.layers[1].media_type, media_type);
        // Pull it back into a fresh store: the same tree.
        let env2 = Env::new();
        let store2 = Store::open(&env2.root()).unwrap();
        let mut l = Llb::new();
        let back = image(&mut l, &target);
        let pulled = Solver::builder()
            .build()
            .solve(&store2, &l.finish(back))
            .unwrap();
        assert_eq!(pulled.result, solved.result, "{tag}");
        assert_eq!(
            fs::read_to_string(store2.snapshot_path(&pulled.result).join("etc/pushed")).unwrap(),
            "yes"
        );
    }
}

#[test]
fn http_source_downloads_and_verifies_its_checksum() {
    let Some(reg) = registry_with_busybox() else {
        return;
    };
    let layout = fixture().unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let mdigest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(
            layout
                .join("blobs/sha256")
                .join(mdigest.trim_start_matches("sha256:")),
        )
        .unwrap(),
    )
    .unwrap();
    let cfg = manifest["config"]["digest"].as_str().unwrap().to_string();
    let url = format!("http://127.0.0.1:{}/v2/busybox/blobs/{cfg}", reg.port);
    let source = |checksum: &str| {
        let mut l = Llb::new();
        let s = pb::SourceOp {
            identifier: url.clone(),
            attrs: [
                ("http.checksum", checksum),
                ("http.filename", "config.json"),
                ("http.perm", "0644"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        };
        let d = l.b.push(
            &pb::Op {
                op: Some(op::Op::Source(s)),
                ..Default::default()
            },
            None,
        );
        l.finish(d)
    };
    let env = Env::new();
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder()
        .build()
        .solve(&store, &source(&cfg))
        .unwrap();
    let file = store.snapshot_path(&solved.result).join("config.json");
    assert_eq!(
        fs::read(&file).unwrap(),
        fs::read(
            layout
                .join("blobs/sha256")
                .join(cfg.trim_start_matches("sha256:"))
        )
        .unwrap()
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o7777,
        0o644
    );
    // Cached by checksum: a second solve downloads nothing.
    assert_eq!(
        Solver::builder()
            .build()
            .solve(&store, &source(&cfg))
            .unwrap()
            .ran(),
        0
    );
    let wrong = format!("sha256:{}", "0".repeat(64));
    let err = Solver::builder()
        .build()
        .solve(&store, &source(&wrong))
        .unwrap_err();
    assert!(format!("{err:?}").contains("DigestMismatch"), "{err:?}");
}
