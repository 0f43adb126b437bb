//! `git://` sources from a real repository (a local one through `git.fullurl`):
//! checkout of a branch with a subdirectory, the cache keyed by the commit, a
//! new commit invalidating it, and a missing ref named clearly.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;
use llb_schema::pb::{self, op};
use runner::{Solver, Store};

fn sh(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn source(repo: &Path, fragment: &str) -> llb_schema::ValidatedDefinition {
    let mut l = Llb::new();
    let s = pb::SourceOp {
        identifier: format!("git://example.invalid/repo#{fragment}"),
        attrs: [(
            "git.fullurl".to_string(),
            format!("file://{}", repo.display()),
        )]
        .into_iter()
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
}

#[test]
fn git_checkout_subdir_and_commit_keyed_cache() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipping: git is not installed");
        return;
    }
    let env = Env::new();
    let repo = env.dir.path().join("repo");
    fs::create_dir_all(repo.join("sub")).unwrap();
    fs::write(repo.join("sub/a.txt"), "one").unwrap();
    fs::write(repo.join("top.txt"), "top").unwrap();
    sh(&repo, &["init", "-q"]);
    sh(&repo, &["add", "."]);
    sh(&repo, &["commit", "-q", "-m", "first"]);
    let store = Store::open(&env.root()).unwrap();
    let solver = Solver::builder().build();
    let first = solver.solve(&store, &source(&repo, "main:sub")).unwrap();
    let got = listing(&store.snapshot_path(&first.result));
    assert_eq!(got.keys().collect::<Vec<_>>(), vec!["a.txt"]);
    assert_eq!(
        solver
            .solve(&store, &source(&repo, "main:sub"))
            .unwrap()
            .ran(),
        0
    );
    fs::write(repo.join("sub/a.txt"), "two").unwrap();
    sh(&repo, &["commit", "-q", "-am", "second"]);
    let second = solver.solve(&store, &source(&repo, "main:sub")).unwrap();
    assert_eq!(second.ran(), 1);
    assert_eq!(
        fs::read_to_string(store.snapshot_path(&second.result).join("a.txt")).unwrap(),
        "two"
    );
    let err = solver
        .solve(&store, &source(&repo, "no-such-branch"))
        .unwrap_err();
    assert!(
        format!("{err}: {:?}", err).contains("ref \\\"no-such-branch\\\" not found"),
        "{err:?}"
    );
}
