//! RUN mount, network and security modes end to end through `dfc build`, as root,
//! offline (the base image from the busybox OCI layout fixture):
//!
//! - `--mount=type=tmpfs,size=…` is a real tmpfs of that size inside the step, and what
//!   the step writes there (and the mount point itself) is not in the image;
//! - `--network=none` sees only `lo`, and `lo` is up;
//! - `--security=insecure` fails naming `--allow security.insecure` without it, and with
//!   it the step sees the host's /dev; a cached insecure step is still refused without
//!   the flag.

mod build_support;
mod common;
mod registry_support;

use std::fs;
use std::path::Path;

use build_support::{dfc, offline_context};

fn build(dir: &Path, layout: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "build",
        "ctx",
        "--oci-layout",
        layout.to_str().unwrap(),
        "--root",
        "store",
        "--progress",
        "plain",
        "-o",
        "out",
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = dfc(&args, dir, &[]);
    (code, err)
}

#[test]
fn tmpfs_mount_has_its_size_and_stays_out_of_the_image() {
    let df = "FROM busybox\n\
        RUN --mount=type=tmpfs,target=/scratch,size=2m \
        grep ' /scratch ' /proc/mounts > /mounts.txt && \
        echo data > /scratch/written && ls /scratch > /seen.txt\n\
        RUN --mount=type=tmpfs,target=/tmp cat /proc/mounts > /tmp-mounts.txt && \
        touch /tmp/inside\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let (code, err) = build(d, &layout, &[]);
    assert_eq!(code, 0, "{err}");
    let out = d.join("out");
    let mounts = fs::read_to_string(out.join("mounts.txt")).unwrap();
    let fields: Vec<&str> = mounts.split_whitespace().collect();
    assert_eq!(fields.get(2), Some(&"tmpfs"), "{mounts}");
    assert!(
        fields[3].split(',').any(|o| o == "size=2048k"),
        "2m tmpfs: {mounts}"
    );
    assert_eq!(
        fs::read_to_string(out.join("seen.txt")).unwrap(),
        "written\n"
    );
    // Neither the file written to the tmpfs nor its mount point reach the image.
    assert!(!out.join("scratch").exists());
    // Without size= the tmpfs has the kernel's default limit, and busybox's own /tmp
    // stays as it was in the base image (empty).
    let all = fs::read_to_string(out.join("tmp-mounts.txt")).unwrap();
    assert!(
        all.lines()
            .any(|l| l.split_whitespace().nth(1) == Some("/tmp")
                && l.split_whitespace().nth(2) == Some("tmpfs")),
        "{all}"
    );
    assert!(!out.join("tmp/inside").exists());
}

#[test]
fn network_none_sees_only_loopback_and_it_is_up() {
    let df = "FROM busybox\n\
        RUN --network=none cat /proc/net/dev > /dev.txt && \
        ping -c 1 -W 2 127.0.0.1 > /ping.txt\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let (code, err) = build(d, &layout, &[]);
    assert_eq!(code, 0, "{err}");
    let dev = fs::read_to_string(d.join("out/dev.txt")).unwrap();
    let names: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(names, ["lo"], "{dev}");
    let ping = fs::read_to_string(d.join("out/ping.txt")).unwrap();
    assert!(ping.contains("1 packets received"), "{ping}");
}

#[test]
fn insecure_needs_the_allow_flag_and_then_sees_host_devices() {
    // The host's /dev has devices the minimal sandbox /dev never creates.
    let host_only = fs::read_dir("/dev")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n == "loop-control" || n == "kmsg" || n == "mem")
        .expect("the host has /dev/kmsg, /dev/mem or /dev/loop-control");
    let df = "FROM busybox\n\
        RUN --security=insecure ls /dev > /insecure-dev.txt\n\
        RUN ls /dev > /sandbox-dev.txt\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let (code, err) = build(d, &layout, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--allow security.insecure"), "{err}");
    assert!(err.contains("--security=insecure"), "names the step: {err}");
    assert!(!d.join("out").exists(), "no output after a refused build");

    let (code, err) = build(d, &layout, &["--allow", "security.insecure"]);
    assert_eq!(code, 0, "{err}");
    let insecure = fs::read_to_string(d.join("out/insecure-dev.txt")).unwrap();
    assert!(insecure.lines().any(|l| l == host_only), "{insecure}");
    let sandbox = fs::read_to_string(d.join("out/sandbox-dev.txt")).unwrap();
    assert!(!sandbox.lines().any(|l| l == host_only), "{sandbox}");

    // Entitlements are checked before the cache: the same build, now fully cached, is
    // still refused without the flag.
    fs::remove_dir_all(d.join("out")).unwrap();
    let (code, err) = build(d, &layout, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--allow security.insecure"), "{err}");
    assert!(!d.join("out").exists(), "no output after a refused build");

    let (code, err) = build(d, &layout, &["--allow", "network.nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("security.insecure"), "{err}");
}

/// The capability sets a step ran with, from its `/proc/self/status` lines.
fn caps(text: &str, which: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{which}:\t")))
        .unwrap_or_else(|| panic!("no {which} in {text}"))
        .to_string()
}

#[test]
fn steps_keep_the_default_capabilities_and_cannot_open_devices_they_make() {
    // A root step: containerd's default set, no mount(2), a node it mknods (in the
    // rootfs or in /dev) exists but cannot be opened, the standard nodes work. A
    // non-root step has no effective capabilities. An insecure step keeps them all.
    let df = "FROM busybox\n\
        RUN grep ^Cap /proc/self/status > /caps-root.txt \
        && mkdir /m && (mount -t tmpfs none /m 2>/dev/null && echo mounted || echo refused) > /mount.txt \
        && mknod /nul c 1 3 && mknod /dev/nul c 1 3 \
        && for n in /nul /dev/nul /dev/null; do \
             (echo x > $n) 2>/dev/null && echo $n opened || echo $n refused; done > /nodes.txt\n\
        USER 1000\n\
        RUN grep ^Cap /proc/self/status > /tmp/caps-user.txt\n\
        USER root\n\
        RUN --security=insecure grep ^Cap /proc/self/status > /caps-insecure.txt \
        && mount -t tmpfs none /m && echo mounted > /mount-insecure.txt && umount /m\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let (code, err) = build(d, &layout, &["--allow", "security.insecure"]);
    assert_eq!(code, 0, "{err}");
    let read = |p: &str| fs::read_to_string(d.join("out").join(p)).unwrap();
    let root = read("caps-root.txt");
    for set in ["CapBnd", "CapEff", "CapPrm"] {
        assert_eq!(caps(&root, set), "00000000a80425fb", "{set}: {root}");
    }
    assert_eq!(caps(&root, "CapInh"), "0000000000000000", "{root}");
    assert_eq!(caps(&root, "CapAmb"), "0000000000000000", "{root}");
    assert_eq!(read("mount.txt"), "refused\n");
    assert_eq!(
        read("nodes.txt"),
        "/nul refused\n/dev/nul refused\n/dev/null opened\n"
    );
    // The node the step made is in the image, as a device (BuildKit keeps it too).
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(d.join("out/nul"))
        .unwrap()
        .file_type()
        .is_char_device());
    let user = read("tmp/caps-user.txt");
    assert_eq!(caps(&user, "CapEff"), "0000000000000000", "{user}");
    assert_eq!(caps(&user, "CapPrm"), "0000000000000000", "{user}");
    assert_eq!(caps(&user, "CapBnd"), "00000000a80425fb", "{user}");
    let insecure = read("caps-insecure.txt");
    let all = u64::from_str_radix(&caps(&insecure, "CapEff"), 16).unwrap();
    assert_eq!(all & 0xa804_25fb, 0xa804_25fb, "{insecure}");
    assert_ne!(
        all & (1 << 21),
        0,
        "CAP_SYS_ADMIN in insecure mode: {insecure}"
    );
    assert_eq!(read("mount-insecure.txt"), "mounted\n");
}
