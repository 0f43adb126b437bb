//! Exec ops in the namespace executor (root only) on the busybox fixture of
//! `../shared`: output files, read-only bind mounts, USER, network none,
//! a failing RUN named with its output tail, and two independent RUNs
//! overlapping in time (shown by progress event timestamps).

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use common::*;
use llb_schema::pb;
use runner::progress::Collect;
use runner::{EventKind, ExecError, NamespaceExecutor, OpError, SolveError, Solver, Store};

fn solver(env: &Env, rootfs: &Path, events: Arc<Collect>) -> Solver {
    Solver::builder()
        .local("rootfs", rootfs)
        .local("context", env.ctx())
        .executor(Arc::new(NamespaceExecutor::new().unwrap()))
        .progress(events)
        .build()
}

fn log_text(events: &Collect) -> String {
    events
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn run_writes_outputs_sees_bind_mounts_user_and_hostname() {
    let env = Env::new();
    let Some(rootfs) = busybox_rootfs(env.dir.path()) else {
        return;
    };
    env.write("a.txt", "from context");
    let mut l = Llb::new();
    let base = l.local("rootfs", &[]);
    let ctx = l.local("context", &[]);
    let ro = pb::Mount {
        input: 1,
        dest: "/mnt/in".into(),
        output: -1,
        readonly: true,
        ..Default::default()
    };
    let run = exec(&mut l, &[base, ctx], &["sh", "-c", "echo host=$(hostname) pwd=$(pwd); cat /mnt/in/a.txt; echo data > /out.txt; touch /mnt/in/x 2>/dev/null || echo ro-ok"], "", vec![root_mount(), ro], pb::NetMode::Unset, "RUN write");
    let who = exec(
        &mut l,
        &[run],
        &["sh", "-c", "echo user=$(id -u):$(id -g); ls /sys/class/net"],
        "nobody",
        vec![root_mount()],
        pb::NetMode::None,
        "RUN as nobody",
    );
    let def = l.finish(who);
    let store = Store::open(&env.root()).unwrap();
    let events = Arc::new(Collect::default());
    let solved = solver(&env, &rootfs, events.clone())
        .solve(&store, &def)
        .unwrap();
    let out = store.snapshot_path(&solved.result);
    assert_eq!(fs::read_to_string(out.join("out.txt")).unwrap(), "data\n");
    assert!(out.join("work").is_dir(), "cwd is created");
    let log = log_text(&events);
    assert!(log.contains("host=buildkitsandbox pwd=/work"), "{log}");
    assert!(
        log.contains("from context") && log.contains("ro-ok"),
        "{log}"
    );
    assert!(log.contains("user=65534:65534"), "{log}");
    assert_eq!(log.lines().last(), Some("lo"), "{log}");
    // Mount stubs created for /mnt/in are gone from the committed rootfs.
    assert!(!out.join("mnt/in").exists());
}

#[test]
fn failing_run_is_named_with_its_output_tail() {
    let env = Env::new();
    let Some(rootfs) = busybox_rootfs(env.dir.path()) else {
        return;
    };
    let mut l = Llb::new();
    let base = l.local("rootfs", &[]);
    let run = exec(
        &mut l,
        &[base],
        &["sh", "-c", "echo working; echo boom >&2; exit 3"],
        "",
        vec![root_mount()],
        pb::NetMode::None,
        "RUN fails",
    );
    let def = l.finish(run);
    let store = Store::open(&env.root()).unwrap();
    let err = solver(&env, &rootfs, Arc::new(Collect::default()))
        .solve(&store, &def)
        .unwrap_err();
    match &err {
        SolveError::Step {
            name,
            output_tail,
            source,
            ..
        } => {
            assert_eq!(name, "RUN fails");
            assert_eq!(
                output_tail,
                &vec!["working".to_string(), "boom".to_string()]
            );
            assert!(
                matches!(**source, OpError::Exec(ExecError::ExitCode { code: 3, .. })),
                "{source:?}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn independent_runs_overlap_in_time() {
    let env = Env::new();
    let Some(rootfs) = busybox_rootfs(env.dir.path()) else {
        return;
    };
    let mut l = Llb::new();
    let base = l.local("rootfs", &[]);
    let a = exec(
        &mut l,
        &[base],
        &["sh", "-c", "sleep 0.4; echo a > /a"],
        "",
        vec![root_mount()],
        pb::NetMode::None,
        "RUN a",
    );
    let b = exec(
        &mut l,
        &[base],
        &["sh", "-c", "sleep 0.4; echo b > /b"],
        "",
        vec![root_mount()],
        pb::NetMode::None,
        "RUN b",
    );
    let m = l.merge(&[a, b]);
    let def = l.finish(m);
    let store = Store::open(&env.root()).unwrap();
    let events = Arc::new(Collect::default());
    let solver = Solver::builder()
        .local("rootfs", &rootfs)
        .executor(Arc::new(NamespaceExecutor::new().unwrap()))
        .progress(events.clone())
        .parallelism(2)
        .build();
    let solved = solver.solve(&store, &def).unwrap();
    let at = |name: &str, kind: EventKind| {
        events
            .events()
            .iter()
            .find(|e| e.name == name && e.kind == kind)
            .unwrap()
            .at
    };
    let (a0, a1) = (
        at("RUN a", EventKind::Started),
        at("RUN a", EventKind::Completed),
    );
    let (b0, b1) = (
        at("RUN b", EventKind::Started),
        at("RUN b", EventKind::Completed),
    );
    assert!(a0 < b1 && b0 < a1, "RUN a and RUN b did not overlap");
    let out = store.snapshot_path(&solved.result);
    assert!(out.join("a").is_file() && out.join("b").is_file());
    // Second solve: all cached, nothing runs.
    assert_eq!(
        solver.solve(&store, &def).unwrap().ran(),
        0,
        "everything is cached"
    );
}

/// Timings of a small chain (5 RUNs and a COPY on busybox), cold then
/// cached: `cargo test -p runner --release --test exec_namespace -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_cold_and_cached_chain() {
    let env = Env::new();
    let Some(rootfs) = busybox_rootfs(env.dir.path()) else {
        return;
    };
    env.write("data.txt", "x");
    let mut l = Llb::new();
    let base = l.local("rootfs", &[]);
    let ctx = l.local("context", &[]);
    let mut cur = l.file(
        &[base, ctx],
        vec![action(
            0,
            1,
            0,
            llb_schema::pb::file_action::Action::Copy(copy("data.txt", "/data/")),
        )],
        "COPY data.txt",
    );
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
    let def = l.finish(cur);
    let store = Store::open(&env.root()).unwrap();
    let s = solver(&env, &rootfs, Arc::new(Collect::default()));
    let t = std::time::Instant::now();
    s.solve(&store, &def).unwrap();
    let cold = t.elapsed();
    let t = std::time::Instant::now();
    let again = s.solve(&store, &def).unwrap();
    let warm = t.elapsed();
    assert_eq!(again.ran(), 0);
    eprintln!("cold: {cold:?} for 2 sources, 1 copy, 5 RUNs; cached: {warm:?}");
}

#[test]
fn first_failure_kills_the_other_running_steps() {
    let env = Env::new();
    let Some(rootfs) = busybox_rootfs(env.dir.path()) else {
        return;
    };
    let mut l = Llb::new();
    let base = l.local("rootfs", &[]);
    let slow = exec(
        &mut l,
        &[base],
        &["sh", "-c", "sleep 30"],
        "",
        vec![root_mount()],
        pb::NetMode::None,
        "RUN slow",
    );
    let bad = exec(
        &mut l,
        &[base],
        &["sh", "-c", "sleep 0.2; exit 1"],
        "",
        vec![root_mount()],
        pb::NetMode::None,
        "RUN bad",
    );
    let m = l.merge(&[slow, bad]);
    let def = l.finish(m);
    let store = Store::open(&env.root()).unwrap();
    let solver = Solver::builder()
        .local("rootfs", &rootfs)
        .executor(Arc::new(NamespaceExecutor::new().unwrap()))
        .parallelism(2)
        .build();
    let t = std::time::Instant::now();
    let err = solver.solve(&store, &def).unwrap_err();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "the slow step was not stopped"
    );
    let SolveError::Step { name, .. } = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(name, "RUN bad");
}
