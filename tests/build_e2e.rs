//! `dfc build` end to end through the real binary, as root, with a real Debian
//! `docker-registry` on loopback serving the busybox fixture as the base image:
//!
//! - a multi-stage Dockerfile (COPY --from of files, directories and wildcards, --chown,
//!   --chmod, --link; ENV/WORKDIR/USER/CMD; ADD of a local tar; a RUN bind mount) gives an
//!   OCI tar whose files, modes, owners and config are checked one by one;
//! - the unused stage never runs and the two independent stages run at the same time
//!   (their rawjson progress intervals overlap);
//! - a second build is fully cached; changing one context file reruns only its readers;
//! - `dfc compile | dfc run` and `dfc build` give the same image digest under
//!   SOURCE_DATE_EPOCH (also from an OCI layout, offline); the docker archive loads in
//!   skopeo (and podman when installed); a push round-trips through the registry.
//!
//! Bad inputs through `dfc build` are in `build_errors.rs`.

mod build_support;
mod common;
mod registry_support;

use std::fs;

use build_support::{dfc, events, image_files, Kind, Workspace};

#[test]
fn multi_stage_image_has_the_expected_files_owners_modes_and_config() {
    let Some(w) = Workspace::new() else { return };
    let (code, _, err) = dfc(
        &w.build_args(&["--progress", "rawjson", "-o", "type=oci,dest=img.tar"]),
        w.dir(),
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert_eq!(code, 0, "{err}");
    let img = image_files(&w.dir().join("img.tar"));
    let f = |p: &str| {
        img.files
            .get(p)
            .unwrap_or_else(|| panic!("{p} missing from the image"))
    };
    // Base stage's own file, and busybox's.
    assert_eq!(f("base.txt").content, b"base\n");
    assert_eq!(f("bin/busybox").kind, Kind::File);
    // COPY --from of a file to a new path, a directory's contents, a wildcard.
    assert_eq!(f("srv/bin/tool").content, b"built\n");
    assert_eq!(f("srv/bin/tool").mode, 0o755);
    assert_eq!(f("srv/dir/f1").content, b"d1\n");
    assert_eq!(f("srv/dir/f2").content, b"d2\n");
    assert_eq!(f("srv/logs/log1.log").content, b"l1\n");
    assert_eq!(f("srv/logs/log2.log").content, b"l2\n");
    assert!(!img.files.contains_key("srv/logs/bin"), "wildcard too wide");
    // --chown and --chmod.
    assert_eq!((f("srv/owned").uid, f("srv/owned").gid), (1000, 1000));
    assert_eq!((f("srv/bin/tool").uid, f("srv/bin/tool").gid), (0, 0));
    assert_eq!(f("srv/private").mode, 0o600);
    assert_eq!(f("srv/private").content, b"built\n");
    // --link.
    assert_eq!(f("srv/linked").content, b"d1\n");
    // ADD of a local tar unpacks it, keeping the archive's owners and modes.
    let one = f("srv/unpacked/t/one.txt");
    assert_eq!(
        (one.content.as_slice(), one.mode, one.uid, one.gid),
        (&b"one\n"[..], 0o640, 1000, 1000)
    );
    assert!(!img.files.contains_key("srv/data.tar"));
    assert!(!img.files.contains_key("srv/unpacked/data.tar"));
    // The RUN bind mount was readable during the step and is not in the image.
    assert_eq!(f("srv/from-mount").content, b"mounted\n");
    assert!(!img.files.contains_key("mnt/m.txt"), "bind mount leaked");
    // Nothing from the unused stage.
    assert!(!img.files.contains_key("never.txt"));

    // Config: ENV, WORKDIR, USER, CMD on top of busybox's.
    let c = &img.config["config"];
    assert_eq!(
        c["Env"],
        serde_json::json!([
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "GREETING=hello",
            "APP_HOME=/srv"
        ])
    );
    assert_eq!(c["WorkingDir"], "/srv");
    assert_eq!(c["User"], "1000:1000");
    assert_eq!(c["Cmd"], serde_json::json!(["cat", "/srv/from-mount"]));
    assert_eq!(img.config["architecture"], "amd64");
    assert_eq!(img.config["os"], "linux");
    assert_eq!(img.config["created"], "2023-11-14T22:13:20Z");
    // One history entry per layer, the base image's layer blob reused as it is.
    let history = img.config["history"].as_array().unwrap();
    let with_layer: Vec<&str> = history
        .iter()
        .filter(|h| h["empty_layer"] != true)
        .map(|h| h["created_by"].as_str().unwrap())
        .collect();
    assert_eq!(with_layer.len(), img.layers.len(), "{with_layer:?}");
    assert_eq!(
        img.config["rootfs"]["diff_ids"].as_array().unwrap().len(),
        img.layers.len()
    );
    assert_eq!(
        img.layers[0],
        "sha256:0c2cba4129b6478611a902adc10cda0b3f221a8c603e3d23bd5d13b2c8bcc6c1"
    );
    assert_eq!(with_layer[0], "COPY rootfs/ / # buildkit");
    assert_eq!(
        with_layer[1],
        "RUN /bin/sh -c sleep 1 && echo base > /base.txt # buildkit"
    );
    assert_eq!(with_layer[2], "WORKDIR /srv");
    assert_eq!(
        with_layer[7],
        "COPY --chmod=0600 /out/bin /srv/private # buildkit"
    );
    assert_eq!(with_layer[8], "COPY /out/dir/f1 /srv/linked # buildkit");
    assert_eq!(
        *with_layer.last().unwrap(),
        "RUN /bin/sh -c cp /mnt/m.txt /srv/from-mount # buildkit"
    );
    for h in history.iter().skip(3) {
        assert_eq!(h["created"], "2023-11-14T22:13:20Z", "{h}");
    }

    // The unused stage never ran; the two independent stages overlapped.
    let ev = events(&err);
    assert!(
        ev.iter().all(|e| !e.name.starts_with("[unused")),
        "the unused stage ran"
    );
    let span = |prefix: &str| {
        let at = |kind: &str| {
            ev.iter()
                .find(|e| e.name.starts_with(prefix) && e.event == kind)
                .unwrap_or_else(|| panic!("no {kind} event for {prefix}"))
                .time
        };
        (at("started"), at("completed"))
    };
    let (a0, a1) = span("[base 2/2] RUN");
    let (b0, b1) = span("[builder 3/3] RUN");
    assert!(
        a0 < b1 && b0 < a1,
        "independent RUNs did not overlap: base {a0}..{a1}, builder {b0}..{b1}"
    );
}

#[test]
fn second_build_is_cached_and_a_changed_file_reruns_only_its_readers() {
    let Some(w) = Workspace::new() else { return };
    let build = || {
        let (code, _, err) = dfc(&w.build_args(&["--progress", "rawjson"]), w.dir(), &[]);
        assert_eq!(code, 0, "{err}");
        let ran: Vec<String> = events(&err)
            .into_iter()
            .filter(|e| e.event == "completed")
            .map(|e| e.name)
            .collect();
        ran
    };
    let first = build();
    assert!(first.len() >= 14, "{first:?}");
    assert_eq!(
        build(),
        Vec::<String>::new(),
        "second build not fully cached"
    );

    // app/a.txt is read by builder's COPY; builder's RUN then reruns on the new input,
    // but its output is the same, so nothing after it reruns.
    fs::write(w.dir().join("ctx/app/a.txt"), "changed\n").unwrap();
    assert_eq!(
        build(),
        [
            "[internal] load build context",
            "[builder 2/3] COPY app/ /src/app/",
            "[builder 3/3] RUN sleep 1 && mkdir -p /out/dir && echo built > /out/bin && chmod 755 /out/bin  && echo d1 > /out/dir/f1 && echo d2 > /out/dir/f2 && echo l1 > /out/log1.log && echo l2 > /out/log2.log",
        ]
    );
    // mnt.txt is read only by the bind-mounting RUN.
    fs::write(w.dir().join("ctx/mnt.txt"), "mounted again\n").unwrap();
    assert_eq!(
        build(),
        [
            "[internal] load build context",
            "[stage-3 9/9] RUN --mount=type=bind,source=mnt.txt,target=/mnt/m.txt cp /mnt/m.txt /srv/from-mount",
        ]
    );
}

#[test]
fn compile_then_run_equals_build_and_exports_load_and_push() {
    let Some(w) = Workspace::new() else { return };
    let d = w.dir();
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let reg = w.registry.addr.clone();
    let pushed = format!("{reg}/built/demo:1");
    // One build, three outputs: OCI, docker archive, push.
    let (code, _, err) = dfc(
        &w.build_args(&[
            "--progress",
            "plain",
            "-t",
            "demo:1",
            "-o",
            "type=oci,dest=build.tar",
            "-o",
            "type=docker,dest=docker.tar",
            "-o",
            &format!("type=image,name={pushed},push=true"),
        ]),
        d,
        &epoch,
    );
    assert_eq!(code, 0, "{err}");
    // The same through compile | run, in a fresh store: the environment of a build is
    // its SOURCE_DATE_EPOCH build arg, which travels to `dfc run` in-band.
    let reg_arg = format!("REG={reg}/library");
    let (code, _, err) = dfc(
        &[
            "compile",
            "ctx",
            "--build-arg",
            &reg_arg,
            "--build-arg",
            "SOURCE_DATE_EPOCH=1700000000",
            "-o",
            "def.pb",
        ],
        d,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store2",
            "--local",
            "context=ctx",
            "-t",
            "demo:1",
            "-o",
            "type=oci,dest=run.tar",
        ],
        d,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let built = image_files(&d.join("build.tar"));
    let ran = image_files(&d.join("run.tar"));
    assert_eq!(built.manifest_digest, ran.manifest_digest);
    assert_eq!(
        fs::read(d.join("build.tar")).unwrap(),
        fs::read(d.join("run.tar")).unwrap(),
        "OCI tars differ"
    );
    // Offline: base image from the fixture layout, no registry; same image.
    let layout = w.layout.to_str().unwrap();
    let (code, _, err) = dfc(
        &[
            "build",
            "ctx",
            "--oci-layout",
            layout,
            "--root",
            "store3",
            "--progress",
            "plain",
            "-t",
            "demo:1",
            "-o",
            "type=oci,dest=offline.tar",
        ],
        d,
        &epoch,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        image_files(&d.join("offline.tar")).manifest_digest,
        built.manifest_digest
    );

    // The docker archive: skopeo reads it with its config.
    let out = std::process::Command::new("skopeo")
        .args(["inspect", "--config", "docker-archive:docker.tar"])
        .current_dir(d)
        .output()
        .expect("skopeo is installed by tools/test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cfg["config"]["User"], "1000:1000");
    assert_eq!(cfg["config"]["WorkingDir"], "/srv");
    if build_support::have("podman") {
        let store = d.join("podman");
        let podman = |args: &[&str]| {
            let out = std::process::Command::new("podman")
                .arg("--root")
                .arg(store.join("root"))
                .arg("--runroot")
                .arg(store.join("run"))
                .args(["--storage-driver", "vfs"])
                .args(args)
                .current_dir(d)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "podman {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let loaded = podman(&["load", "-i", "docker.tar"]);
        assert!(loaded.contains("demo:1"), "{loaded}");
        let inspect = podman(&[
            "image",
            "inspect",
            "--format",
            "{{.Config.User}} {{.Config.WorkingDir}}",
            "localhost/demo:1",
        ]);
        assert_eq!(inspect.trim(), "1000:1000 /srv");
    } else {
        eprintln!("podman is not installed: docker archive checked with skopeo only");
    }

    // The pushed manifest is the exported one, and it builds on: pull it back as a base.
    let head = ureq::head(&format!("http://{reg}/v2/built/demo/manifests/1"))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .call()
        .expect("pushed manifest");
    assert_eq!(
        head.headers()
            .get("Docker-Content-Digest")
            .and_then(|v| v.to_str().ok()),
        Some(built.manifest_digest.as_str())
    );
    fs::create_dir(d.join("ctx2")).unwrap();
    fs::write(
        d.join("ctx2/Dockerfile"),
        format!("FROM {pushed}\nUSER 0\nRUN cat /srv/from-mount /srv/bin/tool > /check\n"),
    )
    .unwrap();
    let (code, _, err) = dfc(
        &[
            "build",
            "ctx2",
            "--root",
            "store",
            "--progress",
            "plain",
            "-o",
            "type=local,dest=out2",
        ],
        d,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        fs::read_to_string(d.join("out2/check")).unwrap(),
        "mounted\nbuilt\n"
    );
}
