//! Exec ops on overlayfs views (root only): a RUN that edits, re-permissions, deletes,
//! replaces and renames entries of its input gives the same snapshot (same content
//! digest, same tree) as with copied roots, unchanged files share the input snapshot's
//! inodes, and no mount is left behind (prune detaches those a killed build left).
//! Plus the ignored measurement behind
//! `tools/bench-exec`: a large base and several RUNs, overlay against copy.

mod common;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use llb_schema::pb;
use runner::progress::Collect;
use runner::{NamespaceExecutor, Solver, Store};

fn solver(rootfs: &Path, overlay: bool) -> Solver {
    Solver::builder()
        .local("rootfs", rootfs)
        .executor(Arc::new(NamespaceExecutor::new().unwrap()))
        .progress(Arc::new(Collect::default()))
        .overlay(overlay)
        .build()
}

fn mounts_under(root: &Path) -> Vec<String> {
    let root = root.to_string_lossy().into_owned();
    // The overlays live in the mounting thread's own mount namespace.
    fs::read_to_string("/proc/thread-self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(&root))
        .map(str::to_string)
        .collect()
}

const PREPARE: &str = "set -e; mkdir -p /tree/a/b /tree/keep /tree/mv/deep; \
    echo 1 > /tree/a/b/one; echo 2 > /tree/a/two; echo x > /tree/keep/x; \
    echo z > /tree/keep/z; echo m > /tree/mv/deep/m; chmod 0640 /tree/keep/z";

const CHANGE: &str = "set -e; echo changed >> /etc/passwd; chmod 0600 /etc/group; \
    chown 7:8 /tree/keep/x; rm /bin/yes; rm -rf /tree/a; mkdir -p /tree/a; \
    echo new > /tree/a/only; mv /tree/mv /tree/moved; ln /tree/keep/x /tree/keep/y; \
    echo more >> /tree/keep/z; mknod /tree/null c 1 3; ln -s ../etc/passwd /tree/link; \
    chmod 0700 /tree";

#[test]
fn overlay_and_copied_roots_give_the_same_snapshots() {
    let env = Env::new();
    let Some(rootfs) = busybox_rootfs(env.dir.path()) else {
        return;
    };
    let defs = || {
        let mut l = Llb::new();
        let base = l.local("rootfs", &[]);
        let prep = exec(
            &mut l,
            &[base],
            &["sh", "-c", PREPARE],
            "",
            vec![root_mount()],
            pb::NetMode::None,
            "RUN prepare",
        );
        let first = {
            let mut l2 = Llb::new();
            let b = l2.local("rootfs", &[]);
            let p = exec(
                &mut l2,
                &[b],
                &["sh", "-c", PREPARE],
                "",
                vec![root_mount()],
                pb::NetMode::None,
                "RUN prepare",
            );
            l2.finish(p)
        };
        let change = exec(
            &mut l,
            &[prep],
            &["sh", "-c", CHANGE],
            "",
            vec![root_mount()],
            pb::NetMode::None,
            "RUN change",
        );
        (first, l.finish(change))
    };
    let mut results = Vec::new();
    for overlay in [true, false] {
        let root = env.dir.path().join(format!("store-{overlay}"));
        let store = Store::open(&root).unwrap();
        let s = solver(&rootfs, overlay);
        let (first, second) = defs();
        let prepared = s.solve(&store, &first).unwrap().result;
        let changed = s.solve(&store, &second).unwrap().result;
        assert_eq!(
            s.uses_overlay(),
            overlay,
            "overlay mounts work as root here"
        );
        assert!(mounts_under(&root).is_empty(), "{:?}", mounts_under(&root));
        let (before, after) = (
            store.snapshot_path(&prepared),
            store.snapshot_path(&changed),
        );
        let ino = |p: &Path| fs::symlink_metadata(p).unwrap().ino();
        assert_eq!(
            ino(&before.join("bin/busybox")) == ino(&after.join("bin/busybox")),
            overlay,
            "unchanged files are shared only with overlays"
        );
        assert_ne!(
            ino(&before.join("etc/passwd")),
            ino(&after.join("etc/passwd"))
        );
        assert_eq!(
            ino(&after.join("tree/keep/x")),
            ino(&after.join("tree/keep/y"))
        );
        let md = |p: &str| fs::symlink_metadata(after.join(p)).unwrap();
        assert_eq!(md("etc/group").mode() & 0o7777, 0o600);
        assert_eq!((md("tree/keep/x").uid(), md("tree/keep/x").gid()), (7, 8));
        assert_eq!(md("tree").mode() & 0o7777, 0o700);
        assert!(!after.join("bin/yes").exists() && after.join("bin/sh").exists());
        assert!(!after.join("tree/a/b").exists() && !after.join("tree/mv").exists());
        assert_eq!(
            fs::read_to_string(after.join("tree/moved/deep/m")).unwrap(),
            "m\n"
        );
        // The input snapshot is untouched.
        assert!(before.join("bin/yes").exists() && before.join("tree/a/b/one").exists());
        assert_eq!(md("tree/keep/z").mode() & 0o7777, 0o640);
        results.push((prepared, changed, listing(&after)));
    }
    assert_eq!(results[0].2, results[1].2);
    assert_eq!(results[0].0, results[1].0, "same prepared snapshot");
    assert_eq!(results[0].1, results[1].1, "same changed snapshot");
}

/// Five one-line RUNs on a base of 10,000 files (200 MB) made by a first RUN, with
/// overlays and with copies: `tools/bench-exec` runs it in release mode.
#[test]
#[ignore]
fn measure_runs_on_a_large_base() {
    let env = Env::new();
    let Some(rootfs) = busybox_rootfs(env.dir.path()) else {
        return;
    };
    let big = "set -e; for d in $(seq 1 40); do mkdir -p /big/$d; for f in $(seq 1 250); do \
        head -c 20000 /dev/urandom > /big/$d/$f; done; done";
    let mut l = Llb::new();
    let base = l.local("rootfs", &[]);
    let large = exec(
        &mut l,
        &[base],
        &["sh", "-c", big],
        "",
        vec![root_mount()],
        pb::NetMode::None,
        "RUN make a large base",
    );
    let mut cur = large;
    for i in 0..5 {
        cur = exec(
            &mut l,
            &[cur],
            &["sh", "-c", &format!("echo {i} > /step{i}")],
            "",
            vec![root_mount()],
            pb::NetMode::None,
            &format!("RUN {i}"),
        );
    }
    let chain = l.finish(cur);
    let only_base = {
        let mut l = Llb::new();
        let base = l.local("rootfs", &[]);
        let large = exec(
            &mut l,
            &[base],
            &["sh", "-c", big],
            "",
            vec![root_mount()],
            pb::NetMode::None,
            "RUN make a large base",
        );
        l.finish(large)
    };
    let mut report = Vec::new();
    for overlay in [false, true] {
        let root = env.dir.path().join(format!("store-{overlay}"));
        let store = Store::open(&root).unwrap();
        let s = solver(&rootfs, overlay);
        let t = Instant::now();
        s.solve(&store, &only_base).unwrap();
        let base_time = t.elapsed();
        let t = Instant::now();
        let solved = s.solve(&store, &chain).unwrap();
        let runs: Duration = t.elapsed();
        assert_eq!(solved.ran(), 5);
        assert_eq!(s.uses_overlay(), overlay);
        let tmp = store.staging().unwrap();
        let t = Instant::now();
        let req = runner::export::plan::image_request(
            &store,
            &solved.lineage,
            Some(0),
            runner::export::layer::Compression::Gzip,
        )
        .unwrap();
        let mut out = std::io::sink();
        runner::export::oci::write_oci_tar(&req, tmp.path(), &mut out).unwrap();
        let export = t.elapsed();
        let du_disk = std::process::Command::new("du")
            .args(["-sm"])
            .arg(root.join("snapshots"))
            .output()
            .unwrap();
        let mb = |o: &std::process::Output| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .to_string()
        };
        report.push(format!(
            "{}: base RUN {base_time:.2?}; 5 RUNs {runs:.2?} ({:.2?} each); OCI export {export:.2?}; snapshots on disk {} MB",
            if overlay { "overlay" } else { "copy   " },
            runs / 5,
            mb(&du_disk),
        ));
    }
    for line in report {
        eprintln!("{line}");
    }
}

#[test]
fn prune_detaches_overlays_a_killed_build_left() {
    if NamespaceExecutor::new().is_err() {
        eprintln!("skipping: overlay mounts need root");
        return;
    }
    let env = Env::new();
    let root = env.root();
    let lower = env.dir.path().join("lower");
    fs::create_dir(&lower).unwrap();
    fs::write(lower.join("f"), "x").unwrap();
    {
        let _store = Store::open(&root).unwrap();
    }
    let ov = runner::store::overlay::Overlay::mount(&lower, &root.join("tmp/stage-left"))
        .expect("overlay mount as root");
    fs::write(ov.merged.join("new"), "y").unwrap();
    std::mem::forget(ov); // as if the build had been killed
    assert_eq!(mounts_under(&root).len(), 1);
    let store = Store::open_exclusive(&root).unwrap();
    store.prune(None).unwrap();
    assert!(mounts_under(&root).is_empty(), "{:?}", mounts_under(&root));
    assert_eq!(fs::read_dir(root.join("tmp")).unwrap().count(), 0);
    assert_eq!(fs::read_to_string(lower.join("f")).unwrap(), "x");
    assert!(!lower.join("new").exists());
}
