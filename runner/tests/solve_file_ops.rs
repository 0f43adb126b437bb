//! The solver on real files without root: local sources, file actions,
//! merge and diff produce snapshots that are checked on disk; caching,
//! content-based keys and first-failure reporting.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use common::*;
use llb_schema::pb::{self, file_action::Action};
use runner::progress::Collect;
use runner::{EventKind, OpError, SolveError, Solver, Store};

#[test]
fn copy_mkdir_mkfile_symlink_rm_build_the_expected_tree() {
    let env = Env::new();
    env.write("app/main.rs", "fn main() {}");
    env.write("app/lib.rs", "pub fn x() {}");
    env.write("README.md", "readme");
    env.write("junk.log", "junk");
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let mut cp = copy("/app/*.rs", "/src/");
    cp.mode_str = "u=rw,go=r".into();
    let mut readme = copy("README.md", "/doc/README");
    readme.mode = 0o600;
    let actions = vec![
        action(-1, -1, -1, mkdir("/etc/conf.d", 0o750)),
        action(1, 0, -1, Action::Copy(cp)),
        action(2, 0, -1, Action::Copy(readme)),
        action(3, -1, -1, mkfile("/etc/conf.d/x.conf", b"k=v\n", 0o640)),
        action(
            4,
            -1,
            -1,
            Action::Symlink(pb::FileActionSymlink {
                oldpath: "../doc/README".into(),
                newpath: "/src/README".into(),
                owner: None,
                timestamp: -1,
            }),
        ),
        action(5, -1, -1, mkfile("/tmp-file", b"gone", 0o644)),
        action(
            6,
            -1,
            0,
            Action::Rm(pb::FileActionRm {
                path: "/tmp-*".into(),
                allow_not_found: false,
                allow_wildcard: true,
            }),
        ),
    ];
    let out = l.file(&[ctx], actions, "assemble");
    let def = l.finish(out);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &def)
        .unwrap();
    let root = store.snapshot_path(&solved.result);
    let got = listing(&root);
    let want: Vec<(&str, &str)> = vec![
        ("doc", "<dir>"),
        ("doc/README", "readme"),
        ("etc", "<dir>"),
        ("etc/conf.d", "<dir>"),
        ("etc/conf.d/x.conf", "k=v\n"),
        ("src", "<dir>"),
        ("src/README", "-> ../doc/README"),
        ("src/lib.rs", "pub fn x() {}"),
        ("src/main.rs", "fn main() {}"),
    ];
    assert_eq!(
        got.iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        want
    );
    let mode = |p: &str| fs::metadata(root.join(p)).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode("etc/conf.d"), 0o750);
    assert_eq!(mode("etc/conf.d/x.conf"), 0o640);
    assert_eq!(mode("doc/README"), 0o600);
    assert_eq!(mode("src/main.rs"), 0o644);
}

#[test]
fn second_solve_is_cached_and_a_changed_file_reruns_only_its_readers() {
    let env = Env::new();
    env.write("a.txt", "A");
    env.write("b.txt", "B");
    let build = || {
        let mut l = Llb::new();
        let ctx = l.local("context", &[]);
        let a = l.file(
            &[ctx],
            vec![action(-1, 0, 0, Action::Copy(copy("a.txt", "/a.txt")))],
            "copy a",
        );
        let b = l.file(
            &[ctx],
            vec![action(-1, 0, 0, Action::Copy(copy("b.txt", "/b.txt")))],
            "copy b",
        );
        let m = l.merge(&[a, b]);
        l.finish(m)
    };
    let store = Store::open(&env.root()).unwrap();
    let solver = Solver::builder().local("context", env.ctx()).build();
    let first = solver.solve(&store, &build()).unwrap();
    assert_eq!(first.ran(), 4);
    let second = solver.solve(&store, &build()).unwrap();
    assert_eq!(second.ran(), 0, "{:?}", second.vertices);
    assert_eq!(second.result, first.result);

    env.write("b.txt", "B2");
    let third = solver.solve(&store, &build()).unwrap();
    let ran: Vec<&str> = third
        .vertices
        .iter()
        .filter(|v| v.2 == runner::solver::Outcome::Ran)
        .map(|v| v.1.as_str())
        .collect();
    assert_eq!(ran, vec!["local://context", "copy b", "merge"]);
    assert_eq!(listing(&store.snapshot_path(&third.result))["b.txt"], "B2");

    // --no-cache runs everything again.
    let fresh = Solver::builder()
        .local("context", env.ctx())
        .no_cache(true)
        .build();
    assert_eq!(fresh.solve(&store, &build()).unwrap().ran(), 4);
}

#[test]
fn unchanged_local_directory_is_reused_and_an_in_place_rewrite_is_seen() {
    let env = Env::new();
    env.write("a.txt", "AAAA");
    let build = || {
        let mut l = Llb::new();
        let ctx = l.local("context", &[]);
        let a = l.file(
            &[ctx],
            vec![action(-1, 0, 0, Action::Copy(copy("a.txt", "/a.txt")))],
            "copy a",
        );
        l.finish(a)
    };
    let store = Store::open(&env.root()).unwrap();
    let solver = Solver::builder().local("context", env.ctx()).build();
    let first = solver.solve(&store, &build()).unwrap();
    // Same metadata: the recorded copy is reused.
    let second = solver.solve(&store, &build()).unwrap();
    assert_eq!(second.ran(), 0);
    assert_eq!(second.result, first.result);
    // Rewritten in place with the same size and the old mtime put back: still seen.
    let path = env.ctx().join("a.txt");
    let mtime = fs::metadata(&path).unwrap().modified().unwrap();
    fs::write(&path, "BBBB").unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let third = solver.solve(&store, &build()).unwrap();
    assert_eq!(
        listing(&store.snapshot_path(&third.result))["a.txt"],
        "BBBB"
    );
}

#[test]
fn include_exclude_patterns_filter_local_and_copy() {
    let env = Env::new();
    env.write("src/a.rs", "a");
    env.write("src/b.log", "b");
    env.write("target/x", "x");
    env.write("docs/d.md", "d");
    let mut l = Llb::new();
    let ctx = l.local("context", &[("local.excludepatterns", r#"["target"]"#)]);
    let mut cp = copy("/", "/out/");
    cp.exclude_patterns = vec!["**/*.log".into()];
    cp.include_patterns = vec!["src".into()];
    let out = l.file(
        &[ctx],
        vec![action(-1, 0, 0, Action::Copy(cp))],
        "filtered copy",
    );
    let def = l.finish(out);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &def)
        .unwrap();
    let got: Vec<String> = listing(&store.snapshot_path(&solved.result))
        .into_keys()
        .collect();
    assert_eq!(got, vec!["out", "out/src", "out/src/a.rs"]);
}

#[test]
fn diff_keeps_only_changes() {
    let env = Env::new();
    env.write("base.txt", "base");
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let lower = l.file(
        &[ctx],
        vec![action(
            -1,
            0,
            0,
            Action::Copy(copy("base.txt", "/base.txt")),
        )],
        "lower",
    );
    let upper = l.file(
        &[lower],
        vec![action(0, -1, 0, mkfile("/new.txt", b"new", 0o644))],
        "upper",
    );
    let d = l.diff(lower, upper);
    let def = l.finish(d);
    let store = Store::open(&env.root()).unwrap();
    let solved = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &def)
        .unwrap();
    let got: Vec<String> = listing(&store.snapshot_path(&solved.result))
        .into_keys()
        .collect();
    assert_eq!(got, vec!["new.txt"]);
}

#[test]
fn failing_step_is_named_and_stops_the_solve() {
    let env = Env::new();
    env.write("present", "p");
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let bad = l.file(
        &[ctx],
        vec![action(-1, 0, 0, Action::Copy(copy("missing.txt", "/x")))],
        "COPY missing.txt /x",
    );
    let after = l.file(
        &[bad],
        vec![action(0, -1, 0, mkfile("/y", b"", 0o644))],
        "never runs",
    );
    let def = l.finish(after);
    let store = Store::open(&env.root()).unwrap();
    let events = Arc::new(Collect::default());
    let err = Solver::builder()
        .local("context", env.ctx())
        .progress(events.clone())
        .build()
        .solve(&store, &def)
        .unwrap_err();
    match &err {
        SolveError::Step { name, source, .. } => {
            assert_eq!(name, "COPY missing.txt /x");
            assert!(
                matches!(
                    **source,
                    OpError::File(runner::FileOpError::NotFound { .. })
                ),
                "{source:?}"
            );
            assert_eq!(
                source.to_string(),
                "file action #0: /missing.txt: not found"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!events.events().iter().any(|e| e.name == "never runs"));
    assert!(events
        .events()
        .iter()
        .any(|e| matches!(e.kind, EventKind::Failed(_))));
}

#[test]
fn missing_local_is_a_clear_error() {
    let env = Env::new();
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let def = l.finish(ctx);
    let store = Store::open(&env.root()).unwrap();
    let err = Solver::builder().build().solve(&store, &def).unwrap_err();
    let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert!(chain.contains("pass --local context=DIR"), "{chain}");
}

#[test]
fn symlink_escapes_stay_inside_the_snapshot() {
    let env = Env::new();
    fs::create_dir_all(env.ctx()).unwrap();
    std::os::unix::fs::symlink("/etc", env.ctx().join("etc-link")).unwrap();
    std::os::unix::fs::symlink("../../../../../../etc/passwd", env.ctx().join("up")).unwrap();
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    // Following the links resolves inside the context: both are missing there.
    let a = l.file(
        &[ctx],
        vec![action(-1, 0, 0, Action::Copy(copy("up", "/x")))],
        "copy up",
    );
    let def = l.finish(a);
    let store = Store::open(&env.root()).unwrap();
    let err = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &def)
        .unwrap_err();
    assert!(matches!(err, SolveError::Step { .. }), "{err:?}");
    // Writing through a link to an absolute dir lands inside the snapshot.
    let mut l = Llb::new();
    let ctx = l.local("context", &[]);
    let w = l.file(
        &[ctx],
        vec![action(0, -1, 0, mkfile("/etc-link/owned", b"x", 0o644))],
        "write via link",
    );
    let def = l.finish(w);
    let err = Solver::builder()
        .local("context", env.ctx())
        .build()
        .solve(&store, &def)
        .unwrap_err();
    assert!(err.to_string().contains("write via link"), "{err}");
    assert!(!std::path::Path::new("/etc/owned").exists());
}
