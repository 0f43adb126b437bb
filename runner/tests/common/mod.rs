//! Helpers for the runner's tests: building LLB op by op with
//! `llb_schema::DefinitionBuilder`, a scratch store and context, and the busybox
//! fixture's root filesystem for exec ops.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use llb_schema::pb::{self, file_action::Action, op};
use llb_schema::{DefinitionBuilder, Digest, ValidatedDefinition};

/// A definition under construction.
pub struct Llb {
    pub b: DefinitionBuilder,
}

impl Llb {
    pub fn new() -> Self {
        Llb {
            b: DefinitionBuilder::new(),
        }
    }

    fn push(&mut self, inputs: &[Digest], o: op::Op, name: Option<&str>) -> Digest {
        let op = pb::Op {
            inputs: inputs
                .iter()
                .map(|d| pb::Input {
                    digest: d.to_string(),
                    index: 0,
                })
                .collect(),
            op: Some(o),
            ..Default::default()
        };
        let md = name.map(|n| {
            let mut d = BTreeMap::new();
            d.insert("llb.customname".to_string(), n.to_string());
            pb::OpMetadata {
                description: d,
                ..Default::default()
            }
        });
        self.b.push(&op, md.as_ref())
    }

    pub fn local(&mut self, name: &str, attrs: &[(&str, &str)]) -> Digest {
        let s = pb::SourceOp {
            identifier: format!("local://{name}"),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        self.push(&[], op::Op::Source(s), None)
    }

    pub fn file(&mut self, inputs: &[Digest], actions: Vec<pb::FileAction>, name: &str) -> Digest {
        self.push(inputs, op::Op::File(pb::FileOp { actions }), Some(name))
    }

    pub fn merge(&mut self, inputs: &[Digest]) -> Digest {
        let m = pb::MergeOp {
            inputs: (0..inputs.len() as i64)
                .map(|input| pb::MergeInput { input })
                .collect(),
        };
        self.push(inputs, op::Op::Merge(m), None)
    }

    pub fn diff(&mut self, lower: Digest, upper: Digest) -> Digest {
        let d = pb::DiffOp {
            lower: Some(pb::LowerDiffInput { input: 0 }),
            upper: Some(pb::UpperDiffInput { input: 1 }),
        };
        self.push(&[lower, upper], op::Op::Diff(d), None)
    }

    pub fn finish(self, out: Digest) -> ValidatedDefinition {
        ValidatedDefinition::new(self.b.finish(Some((out, 0)))).expect("valid definition")
    }
}

pub fn action(input: i64, secondary: i64, output: i64, a: Action) -> pb::FileAction {
    pb::FileAction {
        input,
        secondary_input: secondary,
        output,
        action: Some(a),
    }
}

pub fn copy(src: &str, dest: &str) -> pb::FileActionCopy {
    pb::FileActionCopy {
        src: src.into(),
        dest: dest.into(),
        mode: -1,
        timestamp: -1,
        follow_symlink: true,
        create_dest_path: true,
        allow_wildcard: true,
        dir_copy_contents: true,
        ..Default::default()
    }
}

pub fn mkdir(path: &str, mode: i32) -> Action {
    Action::Mkdir(pb::FileActionMkDir {
        path: path.into(),
        mode,
        make_parents: true,
        owner: None,
        timestamp: -1,
    })
}

pub fn mkfile(path: &str, data: &[u8], mode: i32) -> Action {
    Action::Mkfile(pb::FileActionMkFile {
        path: path.into(),
        mode,
        data: data.to_vec(),
        owner: None,
        timestamp: -1,
    })
}

/// A temporary store root and a build context directory.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    pub fn ctx(&self) -> PathBuf {
        self.dir.path().join("ctx")
    }
    pub fn write(&self, rel: &str, data: &str) {
        let p = self.ctx().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    }
}

/// Files under `root` as `path -> content` (dirs as "<dir>", links as "-> target").
pub fn listing(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, p: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            let rel = e.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let md = fs::symlink_metadata(&e).unwrap();
            if md.file_type().is_symlink() {
                out.insert(rel, format!("-> {}", fs::read_link(&e).unwrap().display()));
            } else if md.is_dir() {
                out.insert(rel.clone(), "<dir>".into());
                walk(base, &e, out);
            } else {
                out.insert(
                    rel,
                    fs::read_to_string(&e).unwrap_or_else(|_| "<binary>".into()),
                );
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// The busybox fixture's root filesystem unpacked under `dir`, or `None`
/// (with a message) when this machine cannot run these tests.
pub fn busybox_rootfs(dir: &Path) -> Option<PathBuf> {
    let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/busybox-oci");
    if !layout.exists() {
        assert!(
            std::env::var("DFC_REQUIRE_SHARED").as_deref() != Ok("1"),
            "../shared/fixtures/busybox-oci is missing and DFC_REQUIRE_SHARED=1"
        );
        eprintln!("skipping: ../shared/fixtures/busybox-oci is missing");
        return None;
    }
    if let Err(why) = runner::NamespaceExecutor::new() {
        eprintln!("skipping: {why}");
        return None;
    }
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let root = dir.join("busybox");
    fs::create_dir(&root).unwrap();
    for l in manifest["layers"].as_array().unwrap() {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(blob(l["digest"].as_str().unwrap())).unwrap())
            .read_to_end(&mut raw)
            .unwrap();
        let mut ar = tar::Archive::new(&raw[..]);
        ar.set_preserve_permissions(true);
        ar.unpack(&root).unwrap();
    }
    Some(root)
}

pub fn exec(
    l: &mut Llb,
    inputs: &[Digest],
    args: &[&str],
    user: &str,
    mounts: Vec<pb::Mount>,
    network: pb::NetMode,
    name: &str,
) -> Digest {
    let e = pb::ExecOp {
        meta: Some(pb::Meta {
            args: args.iter().map(|s| s.to_string()).collect(),
            env: vec!["PATH=/bin:/usr/bin".into()],
            cwd: "/work".into(),
            user: user.into(),
            ..Default::default()
        }),
        mounts,
        network: network as i32,
        ..Default::default()
    };
    let o = pb::Op {
        inputs: inputs
            .iter()
            .map(|d| pb::Input {
                digest: d.to_string(),
                index: 0,
            })
            .collect(),
        op: Some(op::Op::Exec(e)),
        ..Default::default()
    };
    let mut md = pb::OpMetadata::default();
    md.description.insert("llb.customname".into(), name.into());
    l.b.push(&o, Some(&md))
}

pub fn root_mount() -> pb::Mount {
    pb::Mount {
        input: 0,
        dest: "/".into(),
        output: 0,
        ..Default::default()
    }
}
