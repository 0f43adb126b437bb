//! Escaping symlinks through a whole `dfc build`, as root, offline (busybox from the OCI
//! layout fixture): RUN steps make links out of the rootfs to a canary directory on
//! the host, and later COPY, WORKDIR and RUN mounts (bind, cache, tmpfs) target paths
//! through them; the context holds links to `/etc/passwd` and out of itself. Everything
//! lands inside the image, links from the context arrive as links, and the canary is
//! unchanged.

mod build_support;
mod common;
mod registry_support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::Path;

use build_support::{dfc, image_files, Kind};

/// Name, type, content or link target, mode, inode and link count of every entry.
fn fingerprint(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let md = fs::symlink_metadata(&p).unwrap();
        let what = if md.file_type().is_symlink() {
            format!("-> {}", fs::read_link(&p).unwrap().display())
        } else if md.is_dir() {
            out.extend(fingerprint(&p));
            "dir".into()
        } else {
            String::from_utf8_lossy(&fs::read(&p).unwrap()).into_owned()
        };
        out.insert(
            p.display().to_string(),
            format!("{what} {:o} {} {}", md.mode(), md.ino(), md.nlink()),
        );
    }
    out
}

#[test]
fn links_made_by_run_steps_and_context_links_stay_inside_the_image() {
    let Some(layout) = build_support::offline_layout() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let canary = d.join("canary");
    fs::create_dir_all(canary.join("w")).unwrap();
    fs::write(canary.join("secret"), "host secret\n").unwrap();
    let c = canary.display().to_string();
    let ctx = d.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("x"), "from context\n").unwrap();
    symlink("/etc/passwd", ctx.join("passwd-link")).unwrap();
    symlink("../../", ctx.join("outside")).unwrap();
    symlink(&c, ctx.join("canary-link")).unwrap();
    let df = format!(
        "FROM busybox\n\
         RUN ln -s {c} /dst && ln -s /../../../..{c}/m /escape && ln -s ../../../../..{c}/w /wd\n\
         COPY x /dst/\n\
         WORKDIR /wd/sub\n\
         RUN --mount=type=bind,target=/escape cat /escape/x > /seen && pwd -P > /cwd\n\
         RUN --mount=type=cache,target=/dst/cache echo cached > /dst/cache/f && ls /dst/cache > /cache-list\n\
         RUN --mount=type=tmpfs,target=/escape echo gone > /escape/tmp-only\n\
         COPY . /ctx/\n\
         COPY outside/x /via-outside\n"
    );
    fs::write(ctx.join("Dockerfile"), df).unwrap();
    let before = fingerprint(&canary);
    let args = [
        "build",
        "ctx",
        "--oci-layout",
        layout.to_str().unwrap(),
        "--root",
        "store",
        "-o",
        "type=oci,dest=image.tar",
        "-o",
        "type=local,dest=rootfs",
    ];
    let (code, _, err) = dfc(&args, d, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fingerprint(&canary), before, "the build changed the canary");
    let image = image_files(&d.join("image.tar"));
    let inside = c.trim_start_matches('/');
    let file = |p: &str| {
        String::from_utf8_lossy(
            &image
                .files
                .get(p)
                .unwrap_or_else(|| panic!("{p} missing from the image"))
                .content,
        )
        .into_owned()
    };
    assert_eq!(file(&format!("{inside}/x")), "from context\n");
    assert_eq!(file("seen"), "from context\n");
    assert_eq!(file("cwd"), format!("{c}/w/sub\n"));
    assert_eq!(file("cache-list"), "f\n");
    assert_eq!(file("via-outside"), "from context\n");
    assert!(!image.files.contains_key(&format!("{inside}/m/tmp-only")));
    // Context links arrive as links, never as what they point to.
    for (name, target) in [
        ("ctx/passwd-link", "/etc/passwd"),
        ("ctx/outside", "../../"),
        ("ctx/canary-link", c.as_str()),
    ] {
        assert_eq!(image.files[name].kind, Kind::Symlink, "{name}");
        assert_eq!(
            fs::read_link(d.join("rootfs").join(name)).unwrap(),
            Path::new(target)
        );
    }
    // A COPY whose source links out of the context finds nothing there.
    fs::write(
        ctx.join("Dockerfile"),
        "FROM busybox\nCOPY canary-link/secret /stolen\n",
    )
    .unwrap();
    let (code, _, err) = dfc(&args, d, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not found"), "{err}");
    assert!(!err.contains("host secret"));
    assert_eq!(fingerprint(&canary), before, "the build changed the canary");
}
