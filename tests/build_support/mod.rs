//! Helpers of the `dfc build` end-to-end tests: a workspace with a build context (a
//! multi-stage Dockerfile, a directory tree, a tar to ADD, a file to bind-mount) and a
//! real local registry serving the busybox fixture; running the `dfc` binary; reading
//! rawjson progress; and reading an exported OCI tar back as a file tree (layers applied
//! in order, whiteouts honoured) with its config.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::registry_support::{registry_binary, LocalRegistry};

/// The Dockerfile of the end-to-end build. `REG` is the registry path of busybox.
pub const DOCKERFILE: &str = r#"ARG REG=docker.io/library
FROM ${REG}/busybox AS base
RUN sleep 1 && echo base > /base.txt

FROM ${REG}/busybox AS builder
COPY app/ /src/app/
RUN sleep 1 && mkdir -p /out/dir && echo built > /out/bin && chmod 755 /out/bin \
 && echo d1 > /out/dir/f1 && echo d2 > /out/dir/f2 && echo l1 > /out/log1.log && echo l2 > /out/log2.log

FROM ${REG}/busybox AS unused
RUN echo this stage must never run > /never.txt && exit 1

FROM base
ENV GREETING=hello APP_HOME=/srv
WORKDIR /srv
COPY --from=builder /out/bin /srv/bin/tool
COPY --from=builder /out/dir /srv/dir/
COPY --from=builder /out/*.log /srv/logs/
COPY --from=builder --chown=1000:1000 /out/bin /srv/owned
COPY --from=builder --chmod=0600 /out/bin /srv/private
COPY --link --from=builder /out/dir/f1 /srv/linked
ADD data.tar /srv/unpacked/
RUN --mount=type=bind,source=mnt.txt,target=/mnt/m.txt cp /mnt/m.txt /srv/from-mount
USER 1000:1000
CMD ["cat", "/srv/from-mount"]
"#;

/// A temp dir with `ctx/` and a registry serving busybox as `library/busybox:latest`.
pub struct Workspace {
    pub tmp: tempfile::TempDir,
    pub registry: LocalRegistry,
    /// The busybox OCI layout fixture.
    pub layout: PathBuf,
}

/// The busybox OCI layout fixture when this machine can run RUN steps (root: the
/// namespace executor), else `None` with a message saying why the test is skipped.
pub fn offline_layout() -> Option<PathBuf> {
    let layout = crate::common::shared("fixtures/busybox-oci")?;
    if runner::NamespaceExecutor::new().is_err() {
        eprintln!("skipping: RUN steps need root (the namespace executor)");
        return None;
    }
    Some(layout)
}

/// Writes `dir/Dockerfile` (creating `dir`).
pub fn write_context(dir: &Path, dockerfile: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
}

/// A temporary directory with `ctx/Dockerfile` holding `dockerfile`, and the busybox
/// layout, when RUN steps can run here (see [`offline_layout`]).
pub fn offline_context(dockerfile: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let layout = offline_layout()?;
    let tmp = tempfile::tempdir().unwrap();
    write_context(&tmp.path().join("ctx"), dockerfile);
    Some((tmp, layout))
}

impl Workspace {
    /// `None` (with a message) when root, `docker-registry` or `../shared` is missing.
    pub fn new() -> Option<Workspace> {
        let layout = offline_layout()?;
        let Some(bin) = registry_binary() else {
            eprintln!("skipping: docker-registry is not installed (tools/test installs it)");
            return None;
        };
        let registry = LocalRegistry::start(&bin);
        registry.push_layout(&layout, "library/busybox", "latest");
        let tmp = tempfile::tempdir().unwrap();
        let ctx = tmp.path().join("ctx");
        std::fs::create_dir_all(ctx.join("app/sub")).unwrap();
        std::fs::write(ctx.join("Dockerfile"), DOCKERFILE).unwrap();
        std::fs::write(ctx.join("app/a.txt"), "A\n").unwrap();
        std::fs::write(ctx.join("app/sub/b.txt"), "B\n").unwrap();
        std::fs::write(ctx.join("mnt.txt"), "mounted\n").unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_uid(1000);
        h.set_gid(1000);
        h.set_size(0);
        tar.append_data(&mut h, "t/", std::io::empty()).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o640);
        h.set_uid(1000);
        h.set_gid(1000);
        h.set_size(4);
        tar.append_data(&mut h, "t/one.txt", &b"one\n"[..]).unwrap();
        std::fs::write(ctx.join("data.tar"), tar.into_inner().unwrap()).unwrap();
        Some(Workspace {
            tmp,
            registry,
            layout,
        })
    }

    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// `dfc build ctx --root store --build-arg REG=<registry>/library` + `extra`.
    pub fn build_args(&self, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = [
            "build",
            "ctx",
            "--root",
            "store",
            "--build-arg",
            &format!("REG={}/library", self.registry.addr),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }
}

/// Runs `dfc` in `dir` with extra environment; (exit code, stdout, stderr).
pub fn dfc<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    dir: &Path,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied())
        .output()
        .expect("run dfc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One rawjson progress event.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub event: String,
    pub time: f64,
}

/// The rawjson events on standard error (every line must be one).
pub fn events(stderr: &str) -> Vec<Event> {
    stderr
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not rawjson: {l:?}: {e}"));
            Event {
                name: v["name"].as_str().unwrap().to_string(),
                event: v["event"].as_str().unwrap().to_string(),
                time: v["time"].as_f64().unwrap(),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Link,
    Other,
}

/// A path of an image's file system.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub content: Vec<u8>,
}

/// An exported image read back.
pub struct Image {
    pub manifest_digest: String,
    pub config: serde_json::Value,
    /// Layer digests, base first.
    pub layers: Vec<String>,
    /// Paths (no leading `/`) after applying every layer.
    pub files: BTreeMap<String, Entry>,
}

/// Reads the single image of an OCI layout tar.
pub fn image_files(tar_path: &Path) -> Image {
    let bytes = std::fs::read(tar_path).unwrap();
    let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for e in tar::Archive::new(&bytes[..]).entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        blobs.insert(name, data);
    }
    let json = |name: &str| -> serde_json::Value {
        serde_json::from_slice(blobs.get(name).unwrap_or_else(|| panic!("{name} missing"))).unwrap()
    };
    let blob_name = |d: &str| format!("blobs/sha256/{}", d.strip_prefix("sha256:").unwrap());
    let index = json("index.json");
    let manifest_digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest = json(&blob_name(&manifest_digest));
    let config = json(&blob_name(manifest["config"]["digest"].as_str().unwrap()));
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let mut layers = Vec::new();
    for l in manifest["layers"].as_array().unwrap() {
        let d = l["digest"].as_str().unwrap();
        layers.push(d.to_string());
        let gz = &blobs[&blob_name(d)];
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut raw)
            .unwrap();
        for e in tar::Archive::new(&raw[..]).entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().to_string_lossy().into_owned();
            let path = path
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            let (dir, base) = match path.rsplit_once('/') {
                Some((d, b)) => (format!("{d}/"), b.to_string()),
                None => (String::new(), path.clone()),
            };
            if base == ".wh..wh..opq" {
                files.retain(|k, _| !(k.starts_with(&dir) && k.len() > dir.len()));
                continue;
            }
            if let Some(gone) = base.strip_prefix(".wh.") {
                let gone = format!("{dir}{gone}");
                files.retain(|k, _| k != &gone && !k.starts_with(&format!("{gone}/")));
                continue;
            }
            let h = e.header().clone();
            let kind = match h.entry_type() {
                tar::EntryType::Regular => Kind::File,
                tar::EntryType::Directory => Kind::Dir,
                tar::EntryType::Symlink => Kind::Symlink,
                tar::EntryType::Link => Kind::Link,
                _ => Kind::Other,
            };
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            if kind != Kind::Dir {
                files.retain(|k, _| !k.starts_with(&format!("{path}/")));
            }
            files.insert(
                path,
                Entry {
                    kind,
                    mode: h.mode().unwrap() & 0o7777,
                    uid: h.uid().unwrap(),
                    gid: h.gid().unwrap(),
                    content,
                },
            );
        }
    }
    Image {
        manifest_digest,
        config,
        layers,
        files,
    }
}
