//! `dfc run`, `dfc du` and `dfc prune` through the real binary: LLB made of a
//! local source and file ops, exported as a directory and an OCI tar; bad
//! inputs exit non-zero with an error naming the problem.

use std::fs;
use std::path::Path;
use std::process::Command;

use runner::llb_schema::pb::{self, file_action::Action, op};
use runner::llb_schema::{encode_definition, DefinitionBuilder};

fn definition(src: &str) -> Vec<u8> {
    let mut b = DefinitionBuilder::new();
    let local = pb::Op {
        op: Some(op::Op::Source(pb::SourceOp {
            identifier: "local://context".into(),
            attrs: Default::default(),
        })),
        ..Default::default()
    };
    let ctx = b.push(&local, None);
    let copy = pb::FileActionCopy {
        src: src.into(),
        dest: "/app/".into(),
        mode: -1,
        timestamp: -1,
        follow_symlink: true,
        create_dest_path: true,
        ..Default::default()
    };
    let file = pb::Op {
        inputs: vec![pb::Input {
            digest: ctx.to_string(),
            index: 0,
        }],
        op: Some(op::Op::File(pb::FileOp {
            actions: vec![pb::FileAction {
                input: -1,
                secondary_input: 0,
                output: 0,
                action: Some(Action::Copy(copy)),
            }],
        })),
        ..Default::default()
    };
    let mut md = pb::OpMetadata::default();
    md.description
        .insert("llb.customname".into(), format!("COPY {src} /app/"));
    let f = b.push(&file, Some(&md));
    encode_definition(&b.finish(Some((f, 0))))
}

/// A temp folder with a context `ctx/hello.txt` and `def.pb`, LLB copying that file.
fn hello_workspace() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir(t.path().join("ctx")).unwrap();
    fs::write(t.path().join("ctx/hello.txt"), "hello").unwrap();
    fs::write(t.path().join("def.pb"), definition("hello.txt")).unwrap();
    t
}

fn dfc(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run dfc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_exports_local_and_oci_then_du_and_prune() {
    let t = hello_workspace();
    let d = t.path();
    let (code, _, err) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store",
            "--local",
            "context=ctx",
            "--progress",
            "plain",
            "-o",
            "type=local,dest=out",
            "-o",
            "type=oci,dest=img.tar,name=t:1",
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("COPY hello.txt /app/") && err.contains("DONE"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(d.join("out/app/hello.txt")).unwrap(),
        "hello"
    );
    let tar = fs::read(d.join("img.tar")).unwrap();
    let names: Vec<String> = tar::Archive::new(&tar[..])
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"index.json".to_string()) && names.contains(&"oci-layout".to_string()),
        "{names:?}"
    );

    // Second run: everything cached.
    let (code, _, err) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store",
            "--local",
            "context=ctx",
            "--progress",
            "plain",
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("CACHED"), "{err}");

    let (code, out, _) = dfc(&["du", "--root", "store"], d);
    assert_eq!(code, 0);
    assert!(out.contains("total:"), "{out}");
    let (code, out, _) = dfc(&["prune", "--root", "store"], d);
    assert_eq!(code, 0);
    assert!(out.starts_with("removed 2 snapshots"), "{out}");
}

#[test]
fn bad_inputs_exit_non_zero_with_clear_errors() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::create_dir(d.join("ctx")).unwrap();
    let good = definition("missing.txt");
    fs::write(d.join("def.pb"), &good).unwrap();
    fs::write(d.join("truncated.pb"), &good[..good.len() / 2]).unwrap();
    fs::write(d.join("garbage.pb"), b"\xff\xff\xff not llb").unwrap();

    // Corrupt or truncated LLB: usage error, exit 2.
    for f in ["truncated.pb", "garbage.pb"] {
        let (code, _, err) = dfc(&["run", f, "--root", "store"], d);
        assert_eq!(code, 2, "{f}: {err}");
        assert!(
            err.starts_with("error: ") && !err.contains("panicked"),
            "{f}: {err}"
        );
    }
    // A dangling input: exit 2, the missing digest named.
    let mut b = DefinitionBuilder::new();
    let missing = runner::llb_schema::digest(b"nothing");
    let file = pb::Op {
        inputs: vec![pb::Input {
            digest: missing.to_string(),
            index: 0,
        }],
        op: Some(op::Op::File(pb::FileOp { actions: vec![] })),
        ..Default::default()
    };
    let f = b.push(&file, None);
    fs::write(
        d.join("dangling.pb"),
        encode_definition(&b.finish(Some((f, 0)))),
    )
    .unwrap();
    let (code, _, err) = dfc(&["run", "dangling.pb", "--root", "store"], d);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&missing.to_string()) && err.contains("not in the definition"),
        "{err}"
    );
    // A failing step: exit 1, the step named.
    let (code, _, err) = dfc(
        &["run", "def.pb", "--root", "store", "--local", "context=ctx"],
        d,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("step \"COPY missing.txt /app/\"") && err.contains("not found"),
        "{err}"
    );
    // Missing --local: exit 1, tells what to pass.
    let (code, _, err) = dfc(&["run", "def.pb", "--root", "store"], d);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pass --local context=DIR"), "{err}");
    // Unsupported output type: exit 2.
    let (code, _, err) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store",
            "-o",
            "type=bogus,dest=x",
        ],
        d,
    );
    assert_eq!(code, 2, "{err}");
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn oci_output_is_read_by_skopeo_and_umoci() {
    if !have("skopeo") || !have("umoci") {
        eprintln!("skipping: skopeo and umoci are not installed (apt-get install skopeo umoci)");
        return;
    }
    let t = hello_workspace();
    let d = t.path();
    let (code, _, err) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store",
            "--local",
            "context=ctx",
            "-o",
            "type=oci,dest=img.tar,name=latest",
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    let inspect = Command::new("skopeo")
        .args(["inspect", "oci-archive:img.tar"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(v["Layers"].as_array().map(Vec::len), Some(1), "{v}");
    fs::create_dir(d.join("layout")).unwrap();
    tar::Archive::new(fs::File::open(d.join("img.tar")).unwrap())
        .unpack(d.join("layout"))
        .unwrap();
    let unpack = Command::new("umoci")
        .args(["unpack", "--rootless", "--image", "layout:latest", "bundle"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        unpack.status.success(),
        "{}",
        String::from_utf8_lossy(&unpack.stderr)
    );
    assert_eq!(
        fs::read_to_string(d.join("bundle/rootfs/app/hello.txt")).unwrap(),
        "hello"
    );
}

#[test]
fn run_executes_exec_ops_as_root_with_tty_progress() {
    let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/busybox-oci");
    if !layout.exists() {
        assert!(
            std::env::var("DFC_REQUIRE_SHARED").as_deref() != Ok("1"),
            "../shared is missing and DFC_REQUIRE_SHARED=1"
        );
        eprintln!("skipping: ../shared/fixtures/busybox-oci is missing");
        return;
    }
    if runner::NamespaceExecutor::new().is_err() {
        eprintln!("skipping: the namespace executor needs root");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::create_dir(d.join("rootfs")).unwrap();
    let layer = "blobs/sha256/0c2cba4129b6478611a902adc10cda0b3f221a8c603e3d23bd5d13b2c8bcc6c1";
    let st = Command::new("tar")
        .arg("xzf")
        .arg(layout.join(layer))
        .arg("-C")
        .arg(d.join("rootfs"))
        .status()
        .unwrap();
    assert!(st.success());
    let mut b = DefinitionBuilder::new();
    let local = pb::Op {
        op: Some(op::Op::Source(pb::SourceOp {
            identifier: "local://rootfs".into(),
            attrs: Default::default(),
        })),
        ..Default::default()
    };
    let root = b.push(&local, None);
    let exec = pb::ExecOp {
        meta: Some(pb::Meta {
            args: vec![
                "sh".into(),
                "-c".into(),
                "echo built by $(id -u) > /result.txt".into(),
            ],
            cwd: "/".into(),
            ..Default::default()
        }),
        mounts: vec![pb::Mount {
            input: 0,
            dest: "/".into(),
            output: 0,
            ..Default::default()
        }],
        ..Default::default()
    };
    let e = b.push(
        &pb::Op {
            inputs: vec![pb::Input {
                digest: root.to_string(),
                index: 0,
            }],
            op: Some(op::Op::Exec(exec)),
            ..Default::default()
        },
        None,
    );
    fs::write(d.join("def.pb"), encode_definition(&b.finish(Some((e, 0))))).unwrap();
    let (code, _, err) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store",
            "--local",
            "rootfs=rootfs",
            "--progress",
            "tty",
            "-o",
            "type=local,dest=out",
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(" => [2] sh -c echo built by $(id -u) > /result.txt DONE"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(d.join("out/result.txt")).unwrap(),
        "built by 0\n"
    );
}
