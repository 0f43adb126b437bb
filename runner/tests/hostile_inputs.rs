//! Hostile and concurrent inputs: ADD of archives with `..` entries or
//! symlink tricks, ADD of a genuine tar, and two builds sharing one store at
//! the same time, with staging leftovers (a killed build) cleaned by prune.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use llb_schema::pb::file_action::Action;
use runner::{SolveError, Solver, Store};

fn tar_with(path: &Path, entries: &[(&str, tar::EntryType, &str, &[u8])]) {
    let mut b = tar::Builder::new(fs::File::create(path).unwrap());
    for (name, kind, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        // Write the raw name so `..` survives (the tar crate refuses it in set_path).
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        if !link.is_empty() {
            h.set_link_name(link).unwrap();
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.finish().unwrap();
}

fn add(env: &Env, archive: &str) -> Result<std::path::PathBuf, SolveError> {
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let mut c = copy(archive, "/dest/");
    c.attempt_unpack_docker_compatibility = true;
    let f = l.file(
        &[ctx],
        vec![action(-1, 0, 0, Action::Copy(c))],
        "ADD archive",
    );
    let def = l.finish(f);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &def)?;
    Ok(store.snapshot_path(&solved.result))
}

#[test]
fn add_unpacks_a_tar_and_rejects_escapes() {
    let env = Env::new();
    fs::create_dir_all(env.ctx()).unwrap();
    tar_with(
        &env.ctx().join("good.tar"),
        &[
            ("dir/a.txt", tar::EntryType::Regular, "", b"A"),
            ("link", tar::EntryType::Symlink, "dir/a.txt", b""),
        ],
    );
    let root = add(&env, "good.tar").unwrap();
    assert_eq!(
        fs::read_to_string(root.join("dest/dir/a.txt")).unwrap(),
        "A"
    );
    assert_eq!(
        fs::read_link(root.join("dest/link")).unwrap(),
        Path::new("dir/a.txt")
    );

    tar_with(
        &env.ctx().join("dotdot.tar"),
        &[("../../escape.txt", tar::EntryType::Regular, "", b"x")],
    );
    let err = add(&env, "dotdot.tar").unwrap_err();
    assert!(
        format!("{:?}", err).contains("leaves the destination"),
        "{err:?}"
    );

    // A symlink to / followed by a file through it lands inside the snapshot.
    let outside = env.dir.path().join("outside-marker");
    tar_with(
        &env.ctx().join("link.tar"),
        &[
            (
                "up",
                tar::EntryType::Symlink,
                env.dir.path().to_str().unwrap(),
                b"",
            ),
            ("up/outside-marker", tar::EntryType::Regular, "", b"x"),
        ],
    );
    let root = add(&env, "link.tar").unwrap();
    assert!(!outside.exists(), "the archive wrote outside the snapshot");
    let rel = env.dir.path().strip_prefix("/").unwrap();
    assert_eq!(
        fs::read_to_string(root.join(rel).join("outside-marker")).unwrap(),
        "x"
    );

    // A plain file that is not an archive is copied as is.
    fs::write(env.ctx().join("notes.txt"), "plain").unwrap();
    let root = add(&env, "notes.txt").unwrap();
    assert_eq!(
        fs::read_to_string(root.join("dest/notes.txt")).unwrap(),
        "plain"
    );
}

#[test]
fn concurrent_builds_share_a_store_and_prune_cleans_leftovers() {
    let env = Env::new();
    for i in 0..20 {
        env.write(&format!("f{i}.txt"), &format!("{i}"));
    }
    let build = |tag: &str| {
        let mut l = Llb::new();
        let ctx = l.local("context", &[]);
        let a = l.file(
            &[ctx],
            vec![action(-1, 0, 0, Action::Copy(copy("/", "/all/")))],
            "copy all",
        );
        let b = l.file(
            &[a],
            vec![action(0, -1, 0, mkfile("/tag", tag.as_bytes(), 0o644))],
            "tag",
        );
        l.finish(b)
    };
    // A build killed mid-way leaves a staging directory behind.
    drop(Store::open(&env.root()).unwrap());
    fs::create_dir_all(env.root().join("tmp/stage-killed/half")).unwrap();
    let results: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = ["x", "y", "x", "y"]
            .into_iter()
            .map(|tag| {
                let def = build(tag);
                let (root, ctx) = (env.root(), env.ctx());
                s.spawn(move || {
                    let store = Store::open(&root).unwrap();
                    Solver::builder()
                        .local("context", ctx)
                        .build()
                        .solve(&store, &def)
                        .map(|r| r.result)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap().unwrap()).collect()
    });
    assert_eq!(results[0], results[2]);
    assert_eq!(results[1], results[3]);
    assert_ne!(results[0], results[1]);
    let store = Store::open_exclusive(&env.root()).unwrap();
    let report = store.prune(Some(u64::MAX)).unwrap();
    assert_eq!(report.snapshots, 0);
    assert!(!env.root().join("tmp/stage-killed").exists());
    assert!(store.has_snapshot(&results[0]));
}
