//! `RUN --mount=type=cache` end to end through `dfc build`, as root, offline (the
//! base image from the busybox OCI layout fixture), with real containers:
//!
//! - a cache keeps what a step wrote for the next build's steps; `--no-cache` forgets
//!   the caches of the steps it reruns, as BuildKit does; nothing of it reaches the image;
//! - the id defaults to the target (two stages with one target share, other ids don't),
//!   and `BUILDKIT_CACHE_MOUNT_NS` separates caches;
//! - `from=`/`source=` seeds a new cache (and a different seed is another cache);
//!   `mode`/`uid`/`gid` set the cache's root directory;
//! - the must-show: two `dfc build` processes at once on one `--root`: `locked`
//!   serialises them, `private` gives each its own instance, `shared` lets both write
//!   one log; rawjson event times prove the two steps really overlapped;
//! - `dfc du` lists cache mounts, `dfc prune` removes them (the next build sees none).

mod build_support;
mod common;
mod registry_support;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use build_support::{dfc, offline_context, write_context};

/// The timing test must not share the two cores with the other tests of this file.
static SERIAL: Mutex<()> = Mutex::new(());

fn build_args<'a>(layout: &'a Path, ctx: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "build",
        ctx,
        "--oci-layout",
        layout.to_str().unwrap(),
        "--root",
        "store",
        "-o",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// Builds `ctx` into `out` (replaced) and returns what the step left in `/seen`.
fn build_seen(dir: &Path, layout: &Path, extra: &[&str]) -> String {
    let _ = fs::remove_dir_all(dir.join("out"));
    let mut args = build_args(layout, "ctx", "out", extra);
    args.extend(["--progress", "plain"]);
    let (code, _, err) = dfc(&args, dir, &[]);
    assert_eq!(code, 0, "{err}");
    fs::read_to_string(dir.join("out/seen")).unwrap()
}

#[test]
fn cache_persists_across_builds_and_no_cache_resets_it_as_buildkit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let df = "FROM busybox\nARG N\n\
        RUN --mount=type=cache,target=/c echo \"$N\" >> /c/log && cp /c/log /seen\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    assert_eq!(build_seen(d, &layout, &["--build-arg", "N=1"]), "1\n");
    assert_eq!(build_seen(d, &layout, &["--build-arg", "N=2"]), "1\n2\n");
    // Nothing written to the cache is in the image (the mount point may be).
    assert!(!d.join("out/c/log").exists());
    // BuildKit's --no-cache marks every op IgnoreCache, and the solver then prunes
    // the cache mounts those ops name before building (solver/llbsolver/vertex.go
    // detectPrunedCacheID, worker PruneCacheMounts).
    assert_eq!(
        build_seen(d, &layout, &["--build-arg", "N=3", "--no-cache"]),
        "3\n"
    );
    assert_eq!(build_seen(d, &layout, &["--build-arg", "N=4"]), "3\n4\n");

    let (code, out, err) = dfc(&["du", "--root", "store"], d, &[]);
    assert_eq!(code, 0, "{err}");
    let row = out
        .lines()
        .find(|l| l.starts_with("//c "))
        .unwrap_or_else(|| panic!("du lists the cache mount //c: {out}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[1], "1", "one instance: {out}");
    assert!(cols[2].parse::<u64>().unwrap() > 0, "{out}");
    let (code, out, err) = dfc(&["prune", "--root", "store"], d, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("; 1 cache mount instances, "), "{out}");
    assert_eq!(build_seen(d, &layout, &["--build-arg", "N=5"]), "5\n");
}

#[test]
fn id_defaults_to_the_target_and_the_namespace_separates() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let df = "FROM busybox AS a\n\
        RUN --mount=type=cache,target=/c echo from-a > /c/a && echo done > /a-done\n\
        FROM busybox\n\
        COPY --from=a /a-done /\n\
        RUN --mount=type=cache,target=/c ls /c > /same-target\n\
        RUN --mount=type=cache,target=/x,id=/c ls /x > /same-id\n\
        RUN --mount=type=cache,target=/c,id=other ls /c > /other-id\n\
        RUN cat /same-target /same-id /other-id > /seen\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    assert_eq!(build_seen(d, &layout, &[]), "a\na\n");

    let df = "FROM busybox\nARG N\n\
        RUN --mount=type=cache,target=/c echo \"$N\" >> /c/log && cp /c/log /seen\n";
    write_context(&d.join("ctx"), df);
    let ns = |n: &str| format!("BUILDKIT_CACHE_MOUNT_NS={n}");
    let (one, two) = (ns("one"), ns("two"));
    let run = |n: &str, ns: Option<&str>| {
        let n = format!("N={n}");
        let mut extra = vec!["--build-arg", n.as_str()];
        if let Some(ns) = ns {
            extra.extend(["--build-arg", ns]);
        }
        build_seen(d, &layout, &extra)
    };
    assert_eq!(run("1", Some(&one)), "1\n");
    assert_eq!(run("2", Some(&two)), "2\n");
    assert_eq!(run("3", Some(&one)), "1\n3\n");
    // No namespace: the cache of the first Dockerfile's target /c, which had no log.
    assert_eq!(run("4", None), "4\n");
}

#[test]
fn from_seeds_a_new_cache_and_mode_uid_gid_set_its_root() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let df = "FROM busybox AS seed\nARG V=one\n\
        RUN mkdir -p /s/sub && echo \"seed $V\" > /s/sub/f && chmod 0750 /s\n\
        FROM busybox\nARG N\n\
        RUN --mount=type=cache,target=/c,from=seed,source=/s \
        echo \"$N\" > /n && cat /c/sub/f > /seen && stat -c '%a' /c >> /seen \
        && echo \"mine $N\" > /c/sub/f\n\
        RUN --mount=type=cache,target=/m,mode=0710,uid=1234,gid=2345 \
        stat -c '%a %u %g' /m >> /seen\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    assert_eq!(
        build_seen(d, &layout, &["--build-arg", "N=1"]),
        "seed one\n750\n710 1234 2345\n"
    );
    // The seed is copied once: later uses see what earlier ones wrote.
    assert_eq!(
        build_seen(d, &layout, &["--build-arg", "N=2"]),
        "mine 1\n750\n710 1234 2345\n"
    );
    // Another seed content is another cache, seeded afresh.
    assert_eq!(
        build_seen(d, &layout, &["--build-arg", "N=3", "--build-arg", "V=two"]),
        "seed two\n750\n710 1234 2345\n"
    );
    assert_eq!(
        build_seen(d, &layout, &["--build-arg", "N=4"]),
        "mine 2\n750\n710 1234 2345\n"
    );
}

/// One `dfc build` of the concurrency test: its `/seen` and rawjson events.
struct Run {
    seen: Vec<String>,
    events: Vec<serde_json::Value>,
}

impl Run {
    /// When the RUN step started (event time, seconds since the epoch).
    fn step_started(&self) -> f64 {
        self.time(|e| {
            e["event"] == "started" && e["name"].as_str().unwrap_or("").contains("RUN --mount")
        })
    }
    /// When the step printed `end …`.
    fn ended(&self) -> f64 {
        self.time(|e| e["event"] == "log" && e["text"].as_str().unwrap_or("").contains("end "))
    }
    fn time(&self, what: impl Fn(&serde_json::Value) -> bool) -> f64 {
        let e = self
            .events
            .iter()
            .find(|e| what(e))
            .unwrap_or_else(|| panic!("event missing in {:?}", self.events));
        e["time"].as_f64().unwrap()
    }
}

/// Two builds of `ctx` at once on one store, `WHO=a` and `WHO=b`.
fn two_at_once(dir: &Path, layout: &Path) -> (Run, Run) {
    let go = |who: &'static str| {
        let out = format!("out-{who}");
        let _ = fs::remove_dir_all(dir.join(&out));
        let who_arg = format!("WHO={who}");
        let mut args = build_args(layout, "ctx", &out, &["--build-arg", &who_arg]);
        args.extend(["--progress", "rawjson"]);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            let o = Command::new(env!("CARGO_BIN_EXE_dfc"))
                .args(&args)
                .current_dir(&dir)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr).into_owned();
            assert!(o.status.success(), "{who}: {err}");
            let seen = fs::read_to_string(dir.join(&out).join("seen")).unwrap();
            Run {
                seen: seen.lines().map(str::to_string).collect(),
                events: err
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect(),
            }
        })
    };
    let (a, b) = (go("a"), go("b"));
    (a.join().unwrap(), b.join().unwrap())
}

fn step(sharing: &str) -> String {
    format!(
        "FROM busybox\nARG WHO\n\
         RUN --mount=type=cache,target=/c,id={sharing},sharing={sharing} \
         echo \"start $WHO\" | tee -a /c/log && sleep 3 && echo \"end $WHO\" | tee -a /c/log \
         && cp /c/log /seen\n"
    )
}

#[test]
fn two_builds_at_once_locked_serialise_private_separate_shared_interleave() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((tmp, layout)) = offline_context("FROM busybox\nRUN true\n") else {
        return;
    };
    let d = tmp.path();
    // Unpack the base image once, so both builds reach their step quickly.
    build_ok(d, &layout);
    let overlapped = |a: &Run, b: &Run| {
        assert!(
            a.step_started() < b.ended() && b.step_started() < a.ended(),
            "the two steps did not overlap in time (a {}..{}, b {}..{}): the machine is too slow for this test",
            a.step_started(),
            a.ended(),
            b.step_started(),
            b.ended()
        );
    };

    // locked: one step runs after the other ended, in one log.
    write_context(&d.join("ctx"), &step("locked"));
    let (a, b) = two_at_once(d, &layout);
    overlapped(&a, &b);
    let last = if a.seen.len() > b.seen.len() { &a } else { &b };
    let order: Vec<&str> = last
        .seen
        .iter()
        .map(|l| &l[..l.find(' ').unwrap()])
        .collect();
    assert_eq!(order, ["start", "end", "start", "end"], "{:?}", last.seen);
    assert_eq!(last.seen[0][6..], last.seen[1][4..], "{:?}", last.seen);

    // private: each build has its own instance; neither sees the other's marker.
    write_context(&d.join("ctx"), &step("private"));
    let (a, b) = two_at_once(d, &layout);
    overlapped(&a, &b);
    assert_eq!(a.seen, ["start a", "end a"]);
    assert_eq!(b.seen, ["start b", "end b"]);

    // shared: both write to one log at once.
    write_context(&d.join("ctx"), &step("shared"));
    let (a, b) = two_at_once(d, &layout);
    overlapped(&a, &b);
    let last = if a.seen.len() > b.seen.len() { &a } else { &b };
    let mut first_two = last.seen[..2].to_vec();
    first_two.sort();
    assert_eq!(first_two, ["start a", "start b"], "{:?}", last.seen);
    assert_eq!(last.seen.len(), 4, "{:?}", last.seen);

    // The private cache has two instances now; an idle one is reused, not a third made.
    let (_, du, _) = dfc(&["du", "--root", "store"], d, &[]);
    let instances = |id: &str| {
        du.lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or_else(|| panic!("{id} in {du}"))
            .to_string()
    };
    assert_eq!(instances("/private"), "2", "{du}");
    assert_eq!(instances("/locked"), "1", "{du}");
    assert_eq!(instances("/shared"), "1", "{du}");
    write_context(&d.join("ctx"), &step("private"));
    let seen = build_seen(d, &layout, &["--build-arg", "WHO=c"]);
    assert_eq!(
        seen.lines().count(),
        4,
        "an earlier instance, reused: {seen}"
    );

    // prune empties every cache.
    let (code, out, err) = dfc(&["prune", "--root", "store"], d, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("; 4 cache mount instances, "), "{out}");
    for sharing in ["locked", "private", "shared"] {
        write_context(&d.join("ctx"), &step(sharing));
        let seen = build_seen(d, &layout, &["--build-arg", "WHO=d"]);
        assert_eq!(seen, "start d\nend d\n", "{sharing}");
    }
}

/// Builds `ctx` without reading anything back.
fn build_ok(dir: &Path, layout: &Path) {
    let (code, _, err) = dfc(&build_args(layout, "ctx", "out", &[]), dir, &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_build_killed_inside_a_locked_cache_step_leaves_it_unlocked() {
    use std::io::BufRead;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let df = "FROM busybox\nARG WHO\n\
        RUN --mount=type=cache,target=/c,sharing=locked \
        cp /c/log /seen 2>/dev/null; echo \"$WHO\" >> /c/log && echo \"in $WHO\" && \
        if [ \"$WHO\" = killed ]; then sleep 10; fi\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let mut args = build_args(&layout, "ctx", "out", &["--build-arg", "WHO=killed"]);
    args.extend(["--progress", "rawjson"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(&args)
        .current_dir(d)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen_step = false;
    for line in stderr.lines() {
        let e: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap_or_default();
        if e["event"] == "log" && e["text"].as_str().unwrap_or("").contains("in killed") {
            seen_step = true;
            break;
        }
    }
    assert!(seen_step, "the step to kill never ran");
    // SIGKILL while the step holds the locked cache.
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = Instant::now();
    // The next build gets the cache at once (the lock died with the process) and
    // sees what the killed step wrote before it died.
    let seen = build_seen(d, &layout, &["--build-arg", "WHO=next"]);
    assert!(
        killed_at.elapsed() < Duration::from_secs(8),
        "waited {:?} for the cache",
        killed_at.elapsed()
    );
    assert_eq!(seen, "killed\n");
    assert_eq!(
        build_seen(d, &layout, &["--build-arg", "WHO=third"]),
        "killed\nnext\n"
    );
    // prune then clears what the kill left (its staging area, an overlay mount) and the
    // cache: the killed step's processes died with the runner.
    let (code, out, err) = dfc(&["prune", "--root", "store"], d, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("; 1 cache mount instances, "), "{out}");
    assert_eq!(fs::read_dir(d.join("store/tmp")).unwrap().count(), 0);
}

#[test]
fn steps_taking_locked_caches_in_opposite_orders_do_not_deadlock() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Two stages run at once; each holds two locked caches, named in opposite orders
    // (mounts are ordered by target). One cache named twice in a step is one instance.
    let df = "FROM busybox AS x\n\
        RUN --mount=type=cache,target=/a,id=A,sharing=locked \
        --mount=type=cache,target=/b,id=B,sharing=locked \
        echo x >> /a/log && sleep 1 && echo x >> /b/log && touch /x\n\
        FROM busybox AS y\n\
        RUN --mount=type=cache,target=/a,id=B,sharing=locked \
        --mount=type=cache,target=/b,id=A,sharing=locked \
        echo y >> /a/log && sleep 1 && echo y >> /b/log && touch /y\n\
        FROM busybox\n\
        COPY --from=x /x /x\n\
        COPY --from=y /y /y\n\
        RUN --mount=type=cache,target=/a,id=A,sharing=locked \
        --mount=type=cache,target=/b,id=A,sharing=locked \
        echo same > /a/twice && cat /b/twice > /seen && cat /a/log >> /seen\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let mut args = build_args(&layout, "ctx", "out", &["--progress", "plain"]);
    args.push("--no-cache");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(&args)
        .current_dir(d)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the build hung: the two steps wait for each other's cache");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success());
    let seen = fs::read_to_string(d.join("out/seen")).unwrap();
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines[0], "same", "{seen}");
    let mut rest = lines[1..].to_vec();
    rest.sort();
    assert_eq!(
        rest,
        ["x", "y"],
        "cache A got one line from each stage: {seen}"
    );
}
