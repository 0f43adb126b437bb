//! Rootless builds end to end: `dfc build` run by ordinary users (through
//! `setpriv`, as root in CI), offline from the busybox OCI layout fixture.
//!
//! - The must-show: a Dockerfile with files of several owners (`chown` in RUN,
//!   `COPY --chown`, a `USER` step), a cache mount, a tmpfs mount, a replaced
//!   directory and a removed file (opaque directory, whiteout), built by
//!   root and by a user with subordinate ids (`dfc-rootless`, created here with
//!   /etc/subuid and /etc/subgid ranges, mapped by newuidmap), gives the same
//!   image digest and the same store layout (same snapshot ids); the outputs
//!   belong to the user; nothing is left running or mounted, and the user
//!   removes its own store with `dfc unshare rm -rf`.
//! - A user without subordinate ids (single-id mapping) builds a root-owned
//!   image (tmpfs, cache, `--network=none`, devices, read-only /sys) with the
//!   same digest as root and its default store under $HOME; a failing step
//!   gives root's exit status and error; a step or base layer that needs
//!   another owner fails naming /etc/subuid and uidmap, while the user with
//!   subordinate ids extracts such a base with root's digest.
//! - The multi-stage end-to-end Dockerfile, its base pulled from a real local
//!   docker-registry, gives root's digest when built rootless.
//! - SIGKILL of a rootless build leaves no process and no mount, and the next
//!   build on the same store works.
//! - Errors: subordinate ids without newuidmap on PATH, and a user whose user
//!   namespaces are disabled (`user.max_user_namespaces=0` inside a namespace
//!   made by the test), each name the fix and exit 2.

mod build_support;
mod common;
mod registry_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const DFC: &str = env!("CARGO_BIN_EXE_dfc");
const EPOCH: &str = "1700000000";
/// The user created for the subordinate-id path.
const SUB_USER: &str = "dfc-rootless";
/// An id with no password entry and no subordinate ids (single-id path).
const SINGLE_ID: u32 = 4243;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Where `tool` is on the test's PATH.
fn which(tool: &str) -> Option<String> {
    let o = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .ok()?;
    let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
    (o.status.success() && !p.is_empty()).then_some(p)
}

fn have(tool: &str) -> bool {
    which(tool).is_some()
}

/// The busybox layout, or `None` (with a message) without root, setpriv or
/// ../shared.
fn layout() -> Option<PathBuf> {
    let layout = common::shared("fixtures/busybox-oci")?;
    if !is_root() {
        eprintln!("skipping: the rootless tests start users with setpriv, which needs root");
        return None;
    }
    if !have("setpriv") {
        eprintln!("skipping: setpriv (util-linux) is not installed");
        return None;
    }
    Some(layout)
}

/// `(uid, gid, first subordinate uid, count)` of the test user with subordinate
/// ids, created once (idempotent: an existing user and its ranges are reused).
fn sub_user() -> Option<(u32, u32, u32, u32)> {
    static USER: OnceLock<Option<(u32, u32, u32, u32)>> = OnceLock::new();
    *USER.get_or_init(|| {
        if !have("newuidmap") || !have("newgidmap") || !have("useradd") {
            eprintln!("skipping: newuidmap/newgidmap (package uidmap) or useradd missing; tools/test installs uidmap");
            return None;
        }
        let id = |flag: &str| -> Option<u32> {
            let o = Command::new("id").args([flag, SUB_USER]).output().ok()?;
            String::from_utf8_lossy(&o.stdout).trim().parse().ok()
        };
        if id("-u").is_none() {
            let st = Command::new("useradd")
                .args(["--system", "--user-group", "--no-create-home"])
                .args(["--shell", "/usr/sbin/nologin", SUB_USER])
                .status()
                .unwrap();
            assert!(st.success() || id("-u").is_some(), "useradd {SUB_USER} failed");
        }
        let ranges = |file: &str| -> Vec<(u32, u32)> {
            fs::read_to_string(file)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.trim().split(':').collect();
                    (f.len() == 3).then(|| Some((f[0] == SUB_USER, f[1].parse().ok()?, f[2].parse().ok()?)))?
                })
                .filter(|(mine, _, _)| *mine)
                .map(|(_, a, b)| (a, b))
                .collect()
        };
        if ranges("/etc/subuid").is_empty() || ranges("/etc/subgid").is_empty() {
            for f in ["/etc/subuid", "/etc/subgid"] {
                // usermod needs the files; a fresh system may not have them yet.
                fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(f)
                    .unwrap();
            }
            // Past every range in use, so it overlaps nobody's.
            let end = ["/etc/subuid", "/etc/subgid"]
                .iter()
                .flat_map(|f| fs::read_to_string(f).unwrap_or_default().lines().map(String::from).collect::<Vec<_>>())
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    Some(f.get(1)?.parse::<u64>().ok()? + f.get(2)?.parse::<u64>().ok()?)
                })
                .max()
                .unwrap_or(0)
                .max(100_000);
            let first = end.div_ceil(65536) * 65536;
            let span = format!("{first}-{}", first + 65535);
            let st = Command::new("usermod")
                .args(["--add-subuids", &span, "--add-subgids", &span, SUB_USER])
                .status()
                .unwrap();
            assert!(st.success(), "usermod --add-subuids {span} {SUB_USER} failed");
        }
        let (first, count) = ranges("/etc/subuid")[0];
        Some((id("-u")?, id("-g")?, first, count))
    })
}

/// Runs `dfc ARGS` in `dir` as `uid:gid` (no supplementary groups), HOME=`dir`.
fn dfc_as(uid: u32, gid: u32, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    // By its path: the environment given may have another PATH.
    let mut cmd = Command::new(which("setpriv").unwrap());
    cmd.args(["--reuid", &uid.to_string(), "--regid", &gid.to_string()])
        .args(["--clear-groups", "--", DFC])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("XDG_DATA_HOME")
        .env("SOURCE_DATE_EPOCH", EPOCH);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `dfc ARGS` as root (the test process).
fn dfc_root(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(DFC)
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn build_args<'a>(layout: &'a Path, root: &'a str, dest: &'a str) -> Vec<String> {
    vec![
        "build".into(),
        "ctx".into(),
        "--oci-layout".into(),
        layout.to_str().unwrap().into(),
        "--root".into(),
        root.into(),
        "--progress".into(),
        "plain".into(),
        "-o".into(),
        format!("type=oci,dest={dest}"),
    ]
}

/// The manifest digest of an OCI archive.
fn manifest_digest(tar_path: &Path) -> String {
    build_support::image_files(tar_path).manifest_digest
}

/// Sorted names under `store/snapshots` and the store's top-level entries.
fn layout_of(store: &Path) -> (Vec<String>, Vec<String>) {
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    (names(&store.join("snapshots")), names(store))
}

/// `args` with the value of `--root` replaced by `root`.
fn args_with_root<'a>(args: &[&'a str], root: &'a str) -> Vec<&'a str> {
    let mut out = args.to_vec();
    if let Some(i) = out.iter().position(|a| *a == "--root") {
        out[i + 1] = root;
    }
    out
}

/// A temp dir owned by `uid:gid` holding `ctx/` with `dockerfile` and a file.
fn workspace(dockerfile: &str, uid: u32, gid: u32) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    fs::create_dir(&ctx).unwrap();
    fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    fs::write(ctx.join("hello.txt"), "hello\n").unwrap();
    for p in [
        tmp.path(),
        &ctx,
        &ctx.join("Dockerfile"),
        &ctx.join("hello.txt"),
    ] {
        std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
    }
    tmp
}

/// Live (not zombie) processes whose real uid is `uid` or in
/// `[first, first + count)`, as "name pid"; polled for up to 10 s, since a
/// killed process takes a moment to go.
fn processes_of(uid: u32, first: u32, count: u32) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let found = live_processes_of(uid, first, count);
        if found.is_empty() || std::time::Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn live_processes_of(uid: u32, first: u32, count: u32) -> Vec<String> {
    let mut found = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(status) = fs::read_to_string(e.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or("")
                .to_string()
        };
        if field("State:").starts_with('Z') {
            continue;
        }
        let real = field("Uid:")
            .split_whitespace()
            .next()
            .and_then(|u| u.parse::<u32>().ok());
        if let Some(r) = real {
            if r == uid || (r >= first && u64::from(r) < u64::from(first) + u64::from(count)) {
                found.push(format!("{} {}", field("Name:"), field("Pid:")));
            }
        }
    }
    found
}

/// Mount points at or under `dir` in this (the host's) mount namespace.
fn mounts_under(dir: &Path) -> Vec<String> {
    let dir = dir.to_str().unwrap();
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| p.starts_with(dir))
        .map(String::from)
        .collect()
}

const OWNERS_DOCKERFILE: &str = "FROM busybox
COPY --chown=33:44 hello.txt /data/hello.txt
RUN mkdir -p /data/a /data/b && echo one > /data/a/f && echo two > /data/b/g \\
 && chown -R 1000:1000 /data/a && chown 2000:3000 /data/b/g && chmod 0640 /data/b/g \\
 && echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd \\
 && echo 'app:x:1234:' >> /etc/group && mkdir -p /home/app && chown app:app /home/app
RUN --mount=type=cache,target=/cache,id=rootless-test echo cached > /cache/stamp \\
 && cp /cache/stamp /data/from-cache
RUN --mount=type=tmpfs,target=/scratch echo tmp > /scratch/t && cp /scratch/t /data/from-tmpfs \\
 && grep -q ' /scratch tmpfs ' /proc/mounts
RUN rm -rf /data/a && mkdir /data/a && echo new > /data/a/n && rm /data/from-tmpfs
USER app
RUN echo mine > /home/app/file && id -u > /home/app/id
";

#[test]
fn rootless_build_with_subordinate_ids_gives_roots_digest_and_store_layout() {
    let Some(layout) = layout() else {
        return;
    };
    let Some((uid, gid, first, count)) = sub_user() else {
        return;
    };
    let tmp = workspace(OWNERS_DOCKERFILE, uid, gid);
    let d = tmp.path();

    let args = build_args(&layout, "root-store", "root.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_root(d, &args);
    assert_eq!(code, 0, "root build: {err}");

    let args = build_args(&layout, "user-store", "user.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(uid, gid, d, &args, &[]);
    assert_eq!(code, 0, "rootless build: {err}");
    assert!(
        err.contains("RUN echo mine"),
        "the same progress as root's: {err}"
    );

    // The must-show: one image, one store layout.
    let image = build_support::image_files(&d.join("user.tar"));
    assert_eq!(image.manifest_digest, manifest_digest(&d.join("root.tar")));
    let owner = |p: &str| {
        let e = image
            .files
            .get(p)
            .unwrap_or_else(|| panic!("{p} in the image"));
        (e.uid, e.gid)
    };
    assert_eq!(owner("data/hello.txt"), (33, 44));
    // /data/a was replaced (an opaque directory in the overlay's upper layer).
    assert_eq!(owner("data/a/n"), (0, 0));
    assert!(!image.files.contains_key("data/a/f"));
    assert_eq!(owner("data/b/g"), (2000, 3000));
    assert_eq!(owner("home/app/file"), (1234, 1234));
    assert_eq!(image.files["home/app/id"].content, b"1234\n");
    assert_eq!(image.files["data/from-cache"].content, b"cached\n");
    assert!(!image.files.contains_key("data/from-tmpfs"));
    assert!(!image.files.contains_key("scratch/t"));
    assert_eq!(
        layout_of(&d.join("user-store")),
        layout_of(&d.join("root-store"))
    );
    // What the user gets on the host is the user's.
    use std::os::unix::fs::MetadataExt;
    for p in ["user.tar", "user-store", "user-store/snapshots"] {
        let md = fs::metadata(d.join(p)).unwrap();
        assert_eq!((md.uid(), md.gid()), (uid, gid), "{p}");
    }
    // Files of other owners in the store belong to the user's subordinate ids.
    let snaps = fs::read_dir(d.join("user-store/snapshots")).unwrap();
    let sub_owned = snaps.flatten().any(|s| {
        fs::symlink_metadata(s.path().join("data/b/g"))
            .is_ok_and(|m| m.uid() == first + 1999 && m.gid() == first + 2999)
    });
    assert!(
        sub_owned,
        "/data/b/g (2000:3000) is owned by subordinate ids {first}+"
    );

    // A second rootless build is fully cached.
    let args = build_args(&layout, "user-store", "user2.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(uid, gid, d, &args, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("CACHED"), "{err}");
    assert_eq!(
        manifest_digest(&d.join("user2.tar")),
        manifest_digest(&d.join("root.tar"))
    );

    // Nothing left behind: no process of the user or its subordinate ids, no mount.
    assert_eq!(processes_of(uid, first, count), Vec::<String>::new());
    assert_eq!(mounts_under(d), Vec::<String>::new());
    // `dfc du` and `dfc prune` work on the user's store, subordinate owners included.
    let (code, err) = dfc_as(uid, gid, d, &["prune", "--root", "user-store"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(layout_of(&d.join("user-store")).0.is_empty(), "pruned");
    // The user removes its store with its own ids (some files belong to subordinate ids).
    let (code, err) = dfc_as(uid, gid, d, &["unshare", "rm", "-rf", "user-store"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!d.join("user-store").exists());
}

#[test]
fn single_id_user_builds_root_owned_images_and_names_the_fix_for_other_owners() {
    let Some(layout) = layout() else {
        return;
    };
    let subuid = fs::read_to_string("/etc/subuid").unwrap_or_default();
    assert!(
        !subuid
            .lines()
            .any(|l| l.starts_with(&format!("{SINGLE_ID}:"))),
        "uid {SINGLE_ID} must have no subordinate ids"
    );
    let df = "FROM busybox
RUN --mount=type=tmpfs,target=/scratch echo tmp > /scratch/t && mkdir -p /data \\
 && cp /scratch/t /data/t && echo built > /data/f && rm -rf /home && ls /dev > /data/dev
RUN --mount=type=cache,target=/cache echo c > /cache/c && cat /cache/c > /data/c
RUN --network=none ping -c 1 -W 2 127.0.0.1 > /dev/null && ls /sys/class/net > /data/net
RUN head -c 4 /dev/zero | wc -c > /data/zero && head -c 4 /dev/urandom > /dev/null \
 && (touch /sys/kernel/dfc 2> /dev/null && echo writable || echo read-only) > /data/sys
";
    let tmp = workspace(df, SINGLE_ID, SINGLE_ID);
    let d = tmp.path();
    let args = build_args(&layout, "root-store", "root.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_root(d, &args);
    assert_eq!(code, 0, "root build: {err}");
    let args = build_args(&layout, "user-store", "user.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(SINGLE_ID, SINGLE_ID, d, &args, &[]);
    assert_eq!(code, 0, "rootless build: {err}");
    let image = build_support::image_files(&d.join("user.tar"));
    assert_eq!(image.manifest_digest, manifest_digest(&d.join("root.tar")));
    // --network=none: its own namespace with only lo, which answers.
    assert_eq!(image.files["data/net"].content, b"lo\n");
    // Device nodes work (bound from the host: mknod is refused), /sys is read-only.
    assert_eq!(image.files["data/zero"].content, b"4\n");
    assert_eq!(image.files["data/sys"].content, b"read-only\n");
    assert_eq!(
        layout_of(&d.join("user-store")),
        layout_of(&d.join("root-store"))
    );

    // Without --root the store is the user's own, under $HOME, as for any non-root user.
    let no_root: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--root" && *a != "user-store")
        .collect();
    let (code, err) = dfc_as(SINGLE_ID, SINGLE_ID, d, &no_root, &[]);
    assert_eq!(code, 0, "{err}");
    use std::os::unix::fs::MetadataExt;
    let md = fs::metadata(d.join(".local/share/dfc/snapshots")).unwrap();
    assert_eq!((md.uid(), md.gid()), (SINGLE_ID, SINGLE_ID));

    // A failing step: the same exit status and the same error as root's.
    fs::write(
        d.join("ctx/Dockerfile"),
        "FROM busybox\nRUN echo boom && exit 3\n",
    )
    .unwrap();
    let failing = |(code, err): (i32, String)| {
        // The error and the failed step's line (log lines carry times).
        let lines: Vec<String> = err
            .lines()
            .filter(|l| !l.starts_with('#') || l.contains(" ERROR: "))
            .map(String::from)
            .collect();
        (code, lines)
    };
    let root_failure = failing(dfc_root(d, &args_with_root(&args, "root-store")));
    assert_eq!(root_failure.0, 1, "{root_failure:?}");
    assert!(
        root_failure.1.iter().any(|l| l.contains("exit code: 3")),
        "{root_failure:?}"
    );
    assert_eq!(
        failing(dfc_as(SINGLE_ID, SINGLE_ID, d, &args, &[])),
        root_failure
    );

    // Another owner cannot exist with a single-id mapping: a clear failure.
    fs::write(
        d.join("ctx/Dockerfile"),
        "FROM busybox\nCOPY --chown=1000:1000 hello.txt /hello.txt\n",
    )
    .unwrap();
    let (code, err) = dfc_as(SINGLE_ID, SINGLE_ID, d, &args, &[]);
    assert_eq!(code, 1, "{err}");
    for needle in ["1000:1000", "single-id mapping", "/etc/subuid", "uidmap"] {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    // So cannot a step's user.
    fs::write(
        d.join("ctx/Dockerfile"),
        "FROM busybox\nUSER 1000\nRUN true\n",
    )
    .unwrap();
    let (code, err) = dfc_as(SINGLE_ID, SINGLE_ID, d, &args, &[]);
    assert_eq!(code, 1, "{err}");
    for needle in [
        "switch to user \"1000\"",
        "is not mapped",
        "single-id mapping",
    ] {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert!(!d.join("user.tar.tmp").exists());
    assert_eq!(processes_of(SINGLE_ID, SINGLE_ID, 1), Vec::<String>::new());
    let (code, err) = dfc_as(
        SINGLE_ID,
        SINGLE_ID,
        d,
        &["unshare", "rm", "-rf", "user-store"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!d.join("user-store").exists());
}

#[test]
fn subordinate_ids_without_newuidmap_name_the_package() {
    let Some(layout) = layout() else {
        return;
    };
    let Some((uid, gid, _, _)) = sub_user() else {
        return;
    };
    let tmp = workspace("FROM busybox\nRUN true\n", uid, gid);
    let d = tmp.path();
    let args = build_args(&layout, "store", "out.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(uid, gid, d, &args, &[("PATH", "/nonexistent")]);
    assert_eq!(code, 2, "{err}");
    for needle in ["newuidmap", "apt-get install uidmap", "/etc/subuid"] {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert!(!d.join("out.tar").exists() && !d.join("store").exists());
}

#[test]
fn disabled_user_namespaces_name_the_sysctl() {
    let Some(layout) = layout() else {
        return;
    };
    if !have("unshare") {
        eprintln!("skipping: unshare (util-linux) is not installed");
        return;
    }
    let id = 4244u32;
    let tmp = workspace("FROM busybox\nRUN true\n", id, id);
    let d = tmp.path();
    // A user namespace made by root in which user namespaces are switched off
    // (the limit is per namespace, so the host's stays as it is), with `id` mapped.
    let inner = format!(
        "echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --reuid={id} \
         --regid={id} --clear-groups -- {DFC} build ctx --oci-layout {} --root store \
         -o type=oci,dest=out.tar",
        layout.display()
    );
    let script = format!(
        "unshare --user sh -c 'while [ -z \"$(cat /proc/self/uid_map)\" ]; do sleep 0.02; done; \
         exec sh -c \"$0\"' '{inner}' &\n\
         pid=$!\n\
         while [ \"$(readlink /proc/$pid/ns/user)\" = \"$(readlink /proc/self/ns/user)\" ]; do sleep 0.02; done\n\
         printf '0 0 1\\n{id} {id} 1\\n' > /proc/$pid/uid_map\n\
         printf '0 0 1\\n{id} {id} 1\\n' > /proc/$pid/gid_map\n\
         wait $pid"
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(d)
        .env("HOME", d)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for needle in [
        "cannot create a user namespace",
        "user.max_user_namespaces",
        "run dfc as root",
    ] {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert!(!d.join("out.tar").exists() && !d.join("store").exists());
}

#[test]
fn killing_a_rootless_build_leaves_no_process_and_the_store_usable() {
    let Some(layout) = layout() else {
        return;
    };
    let id = 4245u32;
    let tmp = workspace("FROM busybox\nRUN sleep 120\n", id, id);
    let d = tmp.path();
    let args = build_args(&layout, "store", "out.tar");
    let mut child = Command::new(which("setpriv").unwrap())
        .args(["--reuid", &id.to_string(), "--regid", &id.to_string()])
        .args(["--clear-groups", "--", DFC])
        .args(&args)
        .current_dir(d)
        .env("HOME", d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let sleeping = || {
        live_processes_of(id, id, 1)
            .iter()
            .any(|p| p.starts_with("sleep "))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !sleeping() {
        assert!(
            std::time::Instant::now() < deadline,
            "the RUN step never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // SIGKILL to the dfc the user started (setpriv exec'd it): the namespace's
    // dfc, the step's waiting process and the container all go with it.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(processes_of(id, id, 1), Vec::<String>::new());
    assert_eq!(mounts_under(d), Vec::<String>::new());
    // The next build on the same store works.
    fs::write(
        d.join("ctx/Dockerfile"),
        "FROM busybox\nRUN echo done > /done\n",
    )
    .unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(id, id, d, &args, &[]);
    assert_eq!(code, 0, "{err}");
    let image = build_support::image_files(&d.join("out.tar"));
    assert_eq!(image.files["done"].content, b"done\n");
    let (code, err) = dfc_as(id, id, d, &["unshare", "rm", "-rf", "store"], &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn base_layers_with_other_owners_extract_with_subordinate_ids_and_fail_clearly_without() {
    let Some(layout) = layout() else {
        return;
    };
    let Some((uid, gid, _, _)) = sub_user() else {
        return;
    };
    // A base image whose layer has files of another owner, made by root.
    let tmp = workspace(
        "FROM busybox\nCOPY --chown=1000:2000 hello.txt /owned/hello.txt\n",
        uid,
        gid,
    );
    let d = tmp.path();
    let args = build_args(&layout, "root-store", "base.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_root(d, &args);
    assert_eq!(code, 0, "{err}");
    let base = d.join("base");
    fs::create_dir(&base).unwrap();
    tar::Archive::new(fs::File::open(d.join("base.tar")).unwrap())
        .unpack(&base)
        .unwrap();
    let walk = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&base)
        .status()
        .unwrap();
    assert!(walk.success());
    fs::write(
        d.join("ctx/Dockerfile"),
        "FROM base\nRUN stat -c %u:%g /owned/hello.txt > /owner\n",
    )
    .unwrap();
    let build = |store: &str, dest: &str| build_args(&base, store, dest);

    let args = build("root-store", "root.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_root(d, &args);
    assert_eq!(code, 0, "{err}");
    let args = build("user-store", "user.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(uid, gid, d, &args, &[]);
    assert_eq!(code, 0, "{err}");
    let image = build_support::image_files(&d.join("user.tar"));
    assert_eq!(image.manifest_digest, manifest_digest(&d.join("root.tar")));
    assert_eq!(image.files["owner"].content, b"1000:2000\n");

    // A single-id user cannot own the layer's files: the pull step names the fix.
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    fs::create_dir(d.join("single")).unwrap();
    std::os::unix::fs::chown(d.join("single"), Some(SINGLE_ID), Some(SINGLE_ID)).unwrap();
    let args = build("single/store", "single/out.tar");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(SINGLE_ID, SINGLE_ID, d, &args, &[]);
    assert_eq!(code, 1, "{err}");
    for needle in [
        "layer entry /owned is owned by 1000:2000",
        "single-id mapping",
        "/etc/subuid",
        "uidmap",
    ] {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert!(!d.join("single/out.tar").exists());
    for (id, store) in [(uid, "user-store"), (SINGLE_ID, "single/store")] {
        let g = if id == uid { gid } else { id };
        let (code, err) = dfc_as(id, g, d, &["unshare", "rm", "-rf", store], &[]);
        assert_eq!(code, 0, "{err}");
    }
}

#[test]
fn end_to_end_dockerfile_from_a_real_registry_gives_roots_digest() {
    // The multi-stage build of tests/build_e2e.rs (COPY --from, --chown, --chmod,
    // --link, ADD of a tar with owner 1000, a bind mount, USER 1000), its base
    // pulled from a real docker-registry on loopback.
    if layout().is_none() {
        return;
    }
    let Some((uid, gid, _, _)) = sub_user() else {
        return;
    };
    let Some(ws) = build_support::Workspace::new() else {
        return;
    };
    let d = ws.dir();
    let chown = Command::new("chown")
        .args(["-R", &format!("{uid}:{gid}")])
        .arg(d)
        .status()
        .unwrap();
    assert!(chown.success());
    let args = ws.build_args(&["--progress", "plain", "-o", "type=oci,dest=root.tar"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_root(d, &args);
    assert_eq!(code, 0, "root build: {err}");
    let args = ws.build_args(&["--progress", "plain", "-o", "type=oci,dest=user.tar"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = dfc_as(uid, gid, d, &args_with_root(&args, "user-store"), &[]);
    assert_eq!(code, 0, "rootless build: {err}");
    let image = build_support::image_files(&d.join("user.tar"));
    assert_eq!(image.manifest_digest, manifest_digest(&d.join("root.tar")));
    assert_eq!(image.files["srv/owned"].uid, 1000);
    assert_eq!(image.files["srv/unpacked/t/one.txt"].uid, 1000);
    let (code, err) = dfc_as(uid, gid, d, &["unshare", "rm", "-rf", "user-store"], &[]);
    assert_eq!(code, 0, "{err}");
}
