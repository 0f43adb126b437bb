//! Evil base images and build contexts: every case is refused with an error naming the
//! entry, or confined to the snapshot it builds, and a canary directory beside the store
//! (where `..` escapes from a staging area would land, and which absolute names and
//! symlinks point at) is byte for byte, inode for inode unchanged afterwards.
//!
//! Base images are crafted OCI layouts served to the runner's image source (as
//! `--oci-layout` does): a layer of hostile entries, alone or over the busybox fixture
//! for the exec cases. Contexts are local sources with escaping symlinks.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use llb_schema::pb::{self, file_action::Action, op};
use llb_schema::Digest;
use runner::{NamespaceExecutor, SolveError, Solver, Store};

/// A test's directory: `store/`, `ctx/`, `layout/`, and `canary/` beside them.
struct Evil {
    dir: tempfile::TempDir,
    before: BTreeMap<String, String>,
}

/// One tar entry: name (raw, `..` and absolute kept), type, link target, data, device.
struct E<'a>(&'a str, tar::EntryType, &'a str, &'a [u8]);

impl Evil {
    fn new() -> Evil {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("canary");
        fs::create_dir_all(c.join("d")).unwrap();
        fs::write(c.join("secret"), "host secret\n").unwrap();
        fs::write(c.join("d/inner"), "inner\n").unwrap();
        symlink("secret", c.join("link")).unwrap();
        fs::create_dir_all(dir.path().join("ctx")).unwrap();
        let mut e = Evil {
            dir,
            before: BTreeMap::new(),
        };
        e.before = e.fingerprint();
        e
    }

    fn canary(&self) -> PathBuf {
        self.dir.path().join("canary")
    }

    /// The canary's absolute path as a string (entries and links aim at it).
    fn canary_s(&self) -> String {
        self.canary().to_string_lossy().into_owned()
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn ctx(&self) -> PathBuf {
        self.dir.path().join("ctx")
    }

    /// Everything about the canary and the names beside it: type, mode, owner, link
    /// count, inode, content or link target.
    fn fingerprint(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        fn walk(base: &Path, p: &Path, out: &mut BTreeMap<String, String>) {
            let mut names: Vec<_> = fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            names.sort();
            for e in names {
                let md = fs::symlink_metadata(&e).unwrap();
                let what = if md.file_type().is_symlink() {
                    format!("-> {}", fs::read_link(&e).unwrap().display())
                } else if md.is_dir() {
                    walk(base, &e, out);
                    "dir".into()
                } else {
                    String::from_utf8_lossy(&fs::read(&e).unwrap()).into_owned()
                };
                let rel = e.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(
                    rel,
                    format!(
                        "{what} mode={:o} uid={} nlink={} ino={} mtime={}",
                        md.mode(),
                        md.uid(),
                        md.nlink(),
                        md.ino(),
                        md.mtime()
                    ),
                );
            }
        }
        walk(self.dir.path(), &self.canary(), &mut out);
        // New names beside the store (what a `..` escape from it would create).
        for e in fs::read_dir(self.dir.path()).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if !["store", "ctx", "layout", "canary"].contains(&name.as_str()) {
                out.insert(name, "unexpected".into());
            }
        }
        out
    }

    /// The canary is unchanged and no mount is left under the test's directory.
    fn check_confined(&self, case: &str) {
        assert_eq!(
            self.fingerprint(),
            self.before,
            "{case}: the canary changed"
        );
        let dir = self.dir.path().to_string_lossy().into_owned();
        let mounts: Vec<String> = fs::read_to_string("/proc/self/mountinfo")
            .unwrap()
            .lines()
            .filter(|l| l.split(' ').nth(4).is_some_and(|p| p.starts_with(&dir)))
            .map(str::to_string)
            .collect();
        assert!(mounts.is_empty(), "{case}: mounts left: {mounts:?}");
    }

    /// Writes an OCI layout serving one image: the busybox fixture's layers (when
    /// `busybox`) and then `entries` as one uncompressed layer.
    fn layout(&self, busybox: bool, entries: &[E]) -> PathBuf {
        let dir = self.dir.path().join("layout");
        let _ = fs::remove_dir_all(&dir);
        let blobs = dir.join("blobs/sha256");
        fs::create_dir_all(&blobs).unwrap();
        let put = |bytes: &[u8]| -> String {
            let d = llb_schema::digest(bytes);
            fs::write(blobs.join(d.hex()), bytes).unwrap();
            d.to_string()
        };
        let mut layers = Vec::new();
        let mut diff_ids = Vec::new();
        if busybox {
            let fixture =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/busybox-oci");
            let blob = |d: &str| {
                fixture
                    .join("blobs/sha256")
                    .join(d.trim_start_matches("sha256:"))
            };
            let index: serde_json::Value =
                serde_json::from_slice(&fs::read(fixture.join("index.json")).unwrap()).unwrap();
            let m: serde_json::Value = serde_json::from_slice(
                &fs::read(blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap(),
            )
            .unwrap();
            let cfg: serde_json::Value = serde_json::from_slice(
                &fs::read(blob(m["config"]["digest"].as_str().unwrap())).unwrap(),
            )
            .unwrap();
            for (l, id) in m["layers"]
                .as_array()
                .unwrap()
                .iter()
                .zip(cfg["rootfs"]["diff_ids"].as_array().unwrap())
            {
                put(&fs::read(blob(l["digest"].as_str().unwrap())).unwrap());
                layers.push(l.clone());
                diff_ids.push(id.clone());
            }
        }
        let tar = evil_tar(entries);
        let d = put(&tar);
        layers.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": d, "size": tar.len()}));
        diff_ids.push(d.into());
        let config = serde_json::json!({"architecture": "amd64", "os": "linux",
            "config": {"Env": ["PATH=/bin:/usr/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids}});
        let config = serde_json::to_vec(&config).unwrap();
        let manifest = serde_json::json!({"schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": put(&config), "size": config.len()},
            "layers": layers});
        let manifest = serde_json::to_vec(&manifest).unwrap();
        let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": put(&manifest), "size": manifest.len()}]});
        fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        dir
    }

    /// Solves `def` against the layout (when given) and the context; the result's tree.
    fn solve(
        &self,
        layout: Option<&Path>,
        def: &llb_schema::ValidatedDefinition,
    ) -> Result<PathBuf, String> {
        let store = Store::open(&self.root()).unwrap();
        let mut b = Solver::builder().local("context", self.ctx());
        if let Some(l) = layout {
            b = b.image_layout(l);
        }
        if let Ok(e) = NamespaceExecutor::new() {
            b = b.executor(Arc::new(e));
        }
        match b.build().solve(&store, def) {
            Ok(s) => Ok(store.snapshot_path(&s.result)),
            Err(e) => Err(chain(&e)),
        }
    }
}

fn chain(e: &SolveError) -> String {
    let mut s = e.to_string();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// An uncompressed tar of `entries`, names and link targets written raw.
fn evil_tar(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for E(name, kind, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(if kind.is_dir() { 0o755 } else { 0o644 });
        h.set_size(data.len() as u64);
        h.set_mtime(1_600_000_000);
        h.set_uid(0);
        h.set_gid(0);
        if kind.is_character_special() || kind.is_block_special() {
            h.set_device_major(if kind.is_block_special() { 7 } else { 1 })
                .unwrap();
            h.set_device_minor(3).unwrap();
        }
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        if !link.is_empty() {
            h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

const FILE: tar::EntryType = tar::EntryType::Regular;
const DIR: tar::EntryType = tar::EntryType::Directory;
const SYMLINK: tar::EntryType = tar::EntryType::Symlink;
const HARDLINK: tar::EntryType = tar::EntryType::Link;

fn image(l: &mut Llb) -> Digest {
    let s = pb::SourceOp {
        identifier: "docker-image://docker.io/library/evil:latest".into(),
        attrs: Default::default(),
    };
    l.b.push(
        &pb::Op {
            op: Some(op::Op::Source(s)),
            ..Default::default()
        },
        None,
    )
}

/// Builds the image alone.
fn image_only(ev: &Evil, entries: &[E]) -> Result<PathBuf, String> {
    let layout = ev.layout(false, entries);
    let mut l = Llb::new();
    let img = image(&mut l);
    ev.solve(Some(&layout), &l.finish(img))
}

#[test]
fn layer_entries_with_dotdot_are_refused() {
    let ev = Evil::new();
    for name in ["../../../../canary/pwned", "a/../../../../../canary/pwned"] {
        let err = image_only(&ev, &[E(name, FILE, "", b"x")]).unwrap_err();
        assert!(err.contains("uses '..'"), "{name}: {err}");
        assert!(err.contains(name), "the error names the entry: {err}");
        ev.check_confined(name);
    }
}

#[test]
fn absolute_names_and_escaping_symlinks_stay_in_the_rootfs() {
    let ev = Evil::new();
    let c = ev.canary_s();
    let abs_file = format!("{c}/abs");
    let rel_target = format!("../../../../../../../..{c}");
    let entries = [
        // An absolute name.
        E(&abs_file, FILE, "", b"abs\n"),
        // An absolute symlink to the canary, then a file, a directory, a whiteout and an
        // opaque marker written through it.
        E("up", SYMLINK, &c, b""),
        E("up/through-abs", FILE, "", b"1\n"),
        E("up/dir-through", DIR, "", b""),
        E("up/.wh.secret", FILE, "", b""),
        E("up/d/.wh..wh..opq", FILE, "", b""),
        // A relative symlink climbing out, then a file through it.
        E("rel", SYMLINK, &rel_target, b""),
        E("rel/through-rel", FILE, "", b"2\n"),
        // A symlink replaced by a directory of the same name keeps nothing of it.
        E("swap", SYMLINK, &c, b""),
        E("swap", DIR, "", b""),
        E("swap/inner", FILE, "", b"3\n"),
    ];
    let root = image_only(&ev, &entries).unwrap();
    ev.check_confined("absolute names and symlinks");
    let inside = root.join(c.trim_start_matches('/'));
    assert_eq!(fs::read_to_string(inside.join("abs")).unwrap(), "abs\n");
    assert_eq!(
        fs::read_to_string(inside.join("through-abs")).unwrap(),
        "1\n"
    );
    assert_eq!(
        fs::read_to_string(inside.join("through-rel")).unwrap(),
        "2\n"
    );
    assert!(inside.join("dir-through").is_dir());
    assert_eq!(fs::read_link(root.join("up")).unwrap(), Path::new(&c));
    assert!(fs::symlink_metadata(root.join("swap")).unwrap().is_dir());
    assert_eq!(fs::read_to_string(root.join("swap/inner")).unwrap(), "3\n");
}

#[test]
fn hard_links_out_of_the_tree_are_refused() {
    let ev = Evil::new();
    let c = ev.canary_s();
    let secret = format!("{c}/secret");
    let cases: [&[E]; 3] = [
        // An absolute target: it names the image's own path, which does not exist.
        &[E("hl", HARDLINK, &secret, b"")],
        // A target with '..'.
        &[E("hl", HARDLINK, "../../../../canary/secret", b"")],
        // A target through a symlink to the canary.
        &[
            E("sl", SYMLINK, &c, b""),
            E("hl", HARDLINK, "sl/secret", b""),
        ],
    ];
    for (i, entries) in cases.iter().enumerate() {
        let err = image_only(&ev, entries).unwrap_err();
        assert!(
            err.contains("no such entry in the image") || err.contains("uses '..'"),
            "case {i}: {err}"
        );
        ev.check_confined(&format!("hard link case {i}"));
    }
    // A hard link to an entry of the layer itself works.
    let root = image_only(
        &ev,
        &[E("f", FILE, "", b"same\n"), E("g", HARDLINK, "f", b"")],
    )
    .unwrap();
    let (f, g) = (
        fs::metadata(root.join("f")).unwrap(),
        fs::metadata(root.join("g")).unwrap(),
    );
    assert_eq!(f.ino(), g.ino());
    ev.check_confined("inner hard link");
}

#[test]
fn devices_are_devices_as_root_and_bad_whiteouts_and_loops_are_refused() {
    let ev = Evil::new();
    let entries = [
        E("dev/null", tar::EntryType::Char, "", b""),
        E("dev/loop", tar::EntryType::Block, "", b""),
        E("dev/pipe", tar::EntryType::Fifo, "", b""),
    ];
    let root = image_only(&ev, &entries).unwrap();
    let ft = |p: &str| fs::symlink_metadata(root.join(p)).unwrap();
    assert!(ft("dev/pipe").file_type().is_fifo());
    if runner::ops::running_as_root() {
        assert!(ft("dev/null").file_type().is_char_device());
        assert_eq!(ft("dev/null").rdev(), libc::makedev(1, 3));
        assert!(ft("dev/loop").file_type().is_block_device());
    } else {
        assert!(fs::symlink_metadata(root.join("dev/null")).is_err());
    }
    ev.check_confined("devices");

    for name in ["d/.wh..", "d/.wh...", ".wh."] {
        let err = image_only(&ev, &[E("d/", DIR, "", b""), E(name, FILE, "", b"")]).unwrap_err();
        assert!(err.contains("names no entry"), "{name}: {err}");
        ev.check_confined(name);
    }

    let err = image_only(
        &ev,
        &[
            E("a", SYMLINK, "b", b""),
            E("b", SYMLINK, "a", b""),
            E("a/file", FILE, "", b"x"),
        ],
    )
    .unwrap_err();
    assert!(err.contains("too many levels of symbolic links"), "{err}");
    ev.check_confined("symlink loop");
}

fn copy_action(input: i64, secondary: i64, src: &str, dest: &str) -> pb::FileAction {
    action(input, secondary, 0, Action::Copy(copy(src, dest)))
}

#[test]
fn context_symlinks_are_copied_as_links_and_never_followed_out() {
    let ev = Evil::new();
    let c = ev.canary_s();
    ev_write(&ev, "data/real.txt", "real\n");
    symlink("/etc/passwd", ev.ctx().join("passwd")).unwrap();
    symlink("../../", ev.ctx().join("outside")).unwrap();
    symlink(&c, ev.ctx().join("canary-link")).unwrap();

    // The whole context: links arrive as links.
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let f = l.file(
        &[ctx],
        vec![copy_action(-1, 0, "/", "/all/")],
        "COPY . /all/",
    );
    let root = ev.solve(None, &l.finish(f)).unwrap();
    assert_eq!(
        fs::read_link(root.join("all/passwd")).unwrap(),
        Path::new("/etc/passwd")
    );
    assert_eq!(
        fs::read_link(root.join("all/outside")).unwrap(),
        Path::new("../../")
    );
    assert_eq!(
        fs::read_link(root.join("all/canary-link")).unwrap(),
        Path::new(&c)
    );

    // A source through a link that climbs out is the context's own root.
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let f = l.file(
        &[ctx],
        vec![copy_action(-1, 0, "outside/", "/o/")],
        "COPY outside/ /o/",
    );
    let root = ev.solve(None, &l.finish(f)).unwrap();
    assert_eq!(
        fs::read_to_string(root.join("o/data/real.txt")).unwrap(),
        "real\n"
    );
    assert!(!root.join("o/canary").exists() && !root.join("o/ctx").exists());

    // Sources whose link points out of the context are not found there.
    for src in ["passwd", "canary-link/secret"] {
        let mut l = Llb::new();
        let ctx = l.local("context", &[]);
        let f = l.file(&[ctx], vec![copy_action(-1, 0, src, "/x")], "COPY");
        let err = ev.solve(None, &l.finish(f)).unwrap_err();
        assert!(err.contains("not found"), "{src}: {err}");
    }
    ev.check_confined("context links");
}

fn ev_write(ev: &Evil, rel: &str, data: &str) {
    let p = ev.ctx().join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

#[test]
fn copies_and_file_ops_through_escaping_links_stay_in_their_trees() {
    let ev = Evil::new();
    let c = ev.canary_s();
    ev_write(&ev, "new.txt", "new\n");
    let layout = ev.layout(
        false,
        &[
            E("dst", SYMLINK, &c, b""),
            E("up", SYMLINK, "../../../../../../..", b""),
            E("etc/", DIR, "", b""),
            E("etc/passwd", FILE, "", b"root:x:0:0::/root:/bin/sh\n"),
        ],
    );
    // COPY --from=image with a source through a link to the canary: not in the image.
    let mut l = Llb::new();
    let img = image(&mut l);
    let ctx = l.local("context", &[]);
    let f = l.file(
        &[ctx, img],
        vec![copy_action(0, 1, "/dst/secret", "/stolen")],
        "COPY --from",
    );
    let err = ev.solve(Some(&layout), &l.finish(f)).unwrap_err();
    assert!(err.contains("not found"), "{err}");
    // ... and a source through a link climbing out is the image's root.
    let mut l = Llb::new();
    let img = image(&mut l);
    let ctx = l.local("context", &[]);
    let f = l.file(
        &[ctx, img],
        vec![copy_action(0, 1, "/up/etc/", "/from-up/")],
        "COPY --from",
    );
    let root = ev.solve(Some(&layout), &l.finish(f)).unwrap();
    assert!(fs::read_to_string(root.join("from-up/passwd"))
        .unwrap()
        .starts_with("root:"));

    // COPY, mkdir (WORKDIR), mkfile into a destination that is a link to the canary.
    let mut l = Llb::new();
    let img = image(&mut l);
    let ctx = l.local("context", &[]);
    let a = l.file(
        &[img, ctx],
        vec![copy_action(0, 1, "new.txt", "/dst/")],
        "COPY x /dst/",
    );
    let b = l.file(
        &[a],
        vec![action(0, -1, 0, mkdir("/dst/workdir/deep", 0o755))],
        "WORKDIR",
    );
    let f = l.file(
        &[b],
        vec![action(0, -1, 0, mkfile("/dst/made", b"made\n", 0o644))],
        "mkfile",
    );
    let root = ev.solve(Some(&layout), &l.finish(f)).unwrap();
    let inside = root.join(c.trim_start_matches('/'));
    assert_eq!(fs::read_to_string(inside.join("new.txt")).unwrap(), "new\n");
    assert!(inside.join("workdir/deep").is_dir());
    assert_eq!(fs::read_to_string(inside.join("made")).unwrap(), "made\n");
    ev.check_confined("file ops through links");
}

fn run(
    l: &mut Llb,
    root: Digest,
    extra: &[Digest],
    script: &str,
    cwd: &str,
    mounts: Vec<pb::Mount>,
) -> Digest {
    let mut all = vec![pb::Mount {
        input: 0,
        dest: "/".into(),
        output: 0,
        ..Default::default()
    }];
    all.extend(mounts);
    let e = pb::ExecOp {
        meta: Some(pb::Meta {
            args: vec!["/bin/sh".into(), "-c".into(), script.into()],
            env: vec!["PATH=/bin:/usr/bin".into()],
            cwd: cwd.into(),
            ..Default::default()
        }),
        mounts: all,
        ..Default::default()
    };
    let inputs = std::iter::once(root)
        .chain(extra.iter().copied())
        .map(|d| pb::Input {
            digest: d.to_string(),
            index: 0,
        })
        .collect();
    l.b.push(
        &pb::Op {
            inputs,
            op: Some(op::Op::Exec(e)),
            ..Default::default()
        },
        None,
    )
}

#[test]
fn exec_mounts_and_workdir_through_escaping_links_stay_in_the_rootfs() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/busybox-oci");
    if !fixture.exists() {
        assert!(
            std::env::var("DFC_REQUIRE_SHARED").as_deref() != Ok("1"),
            "../shared/fixtures/busybox-oci is missing and DFC_REQUIRE_SHARED=1"
        );
        eprintln!("skipping: ../shared/fixtures/busybox-oci is missing");
        return;
    }
    if let Err(why) = NamespaceExecutor::new() {
        eprintln!("skipping: {why}");
        return;
    }
    let ev = Evil::new();
    let c = ev.canary_s();
    ev_write(&ev, "ctxfile", "from context\n");
    // Links out of the rootfs, absolute and relative, to places in the canary.
    let abs = format!("/../../../..{c}/m1");
    let rel = format!("../../../../../..{c}/m2");
    let wd = format!("/../..{c}/w");
    let layout = ev.layout(
        true,
        &[
            E("escape", SYMLINK, &abs, b""),
            E("rel", SYMLINK, &rel, b""),
            E("wd", SYMLINK, &wd, b""),
        ],
    );
    let mut l = Llb::new();
    let img = image(&mut l);
    let ctx = l.local("context", &[]);
    // A read-only bind of the context at /escape, a tmpfs at /rel, a cwd through /escape.
    let bind = pb::Mount {
        input: 1,
        dest: "/escape".into(),
        output: -1,
        readonly: true,
        ..Default::default()
    };
    let tmpfs = pb::Mount {
        input: -1,
        dest: "/rel".into(),
        output: -1,
        mount_type: pb::MountType::Tmpfs as i32,
        ..Default::default()
    };
    let a = run(
        &mut l,
        img,
        &[ctx],
        "cat /escape/ctxfile > /seen && echo pwned > /rel/pwned && pwd -P > /cwd",
        "/wd/work",
        vec![bind, tmpfs],
    );
    // A step makes its own escaping link; the next mounts a cache there and writes.
    let b = run(
        &mut l,
        a,
        &[],
        &format!("ln -s /../../../..{c} /made"),
        "/",
        vec![],
    );
    let cache = pb::Mount {
        input: -1,
        dest: "/made".into(),
        output: -1,
        mount_type: pb::MountType::Cache as i32,
        cache_opt: Some(pb::CacheOpt {
            id: "evil".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let f = run(
        &mut l,
        b,
        &[],
        "echo pwned > /made/pwned && ls /made > /made-list",
        "/",
        vec![cache],
    );
    let root = ev.solve(Some(&layout), &l.finish(f)).unwrap();
    ev.check_confined("exec mounts through links");
    assert_eq!(
        fs::read_to_string(root.join("seen")).unwrap(),
        "from context\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("cwd")).unwrap(),
        format!("{c}/w/work\n")
    );
    assert_eq!(
        fs::read_to_string(root.join("made-list")).unwrap(),
        "pwned\n"
    );
    // The working directory was made inside the rootfs (mount points made for a step
    // are removed after it).
    let inside = root.join(c.trim_start_matches('/'));
    assert!(inside.join("w/work").is_dir());
    assert!(
        !inside.join("m2/pwned").exists(),
        "the tmpfs write reached the rootfs"
    );
}
