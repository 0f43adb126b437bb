//! Bad inputs through `dfc build` and `dfc run` on compiled Dockerfiles: each is one clear
//! error naming the place (step, image, file, flag), a non-zero exit (1 for a failed
//! step, 2 for bad input), no panic, and no half-written output file.
//!
//! LLB-level garbage (corrupt and truncated bytes, a dangling input digest, a missing
//! `--local`) through `dfc run` is in `run_cli.rs`; a cycle cannot be written as LLB
//! bytes at all (an op's inputs are named by content digests, so a cycle needs a SHA-256
//! preimage) and is covered with hand-assigned digests in `llb-schema/tests/bad_input.rs`.

mod build_support;
mod common;
mod registry_support;

use std::fs;
use std::path::Path;

use build_support::dfc;

/// A temp dir with `ctx/Dockerfile` = `dockerfile`.
fn context(dockerfile: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir(t.path().join("ctx")).unwrap();
    fs::write(t.path().join("ctx/Dockerfile"), dockerfile).unwrap();
    fs::write(t.path().join("ctx/hello.txt"), "hello\n").unwrap();
    t
}

fn assert_clean_error(code: i32, expected: i32, err: &str) {
    assert_eq!(code, expected, "{err}");
    assert!(err.contains("error"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn failing_run_names_the_step_its_output_and_exit_code_and_writes_nothing() {
    let Some(layout) = build_support::offline_layout() else {
        return;
    };
    let t = context("FROM busybox\nRUN echo about to fail && exit 3\nRUN echo never\n");
    let (code, _, err) = dfc(
        &[
            "build".as_ref(),
            "ctx".as_ref(),
            "--root".as_ref(),
            "store".as_ref(),
            "--oci-layout".as_ref(),
            layout.as_os_str(),
            "--progress".as_ref(),
            "plain".as_ref(),
            "-o".as_ref(),
            "type=oci,dest=img.tar".as_ref(),
        ],
        t.path(),
        &[],
    );
    assert_clean_error(code, 1, &err);
    assert!(
        err.contains("[2/3] RUN echo about to fail && exit 3"),
        "step not named: {err}"
    );
    assert!(err.contains("about to fail"), "output tail missing: {err}");
    assert!(err.contains("exit code: 3"), "exit code missing: {err}");
    assert!(!err.contains("echo never\n#"), "a later step ran: {err}");
    assert!(!t.path().join("img.tar").exists(), "output written");
}

#[test]
fn unreachable_registry_is_named_at_compile_and_at_run_time() {
    let Some(layout) = common::shared("fixtures/busybox-oci") else {
        return;
    };
    // Nothing listens on port 1.
    let t = context("FROM 127.0.0.1:1/nothing/here:1\nRUN true\n");
    let d = t.path();
    let (code, _, err) = dfc(&["build", "ctx", "--root", "store"], d, &[]);
    assert_clean_error(code, 2, &err);
    assert!(err.contains("127.0.0.1:1/nothing/here:1"), "{err}");
    // Compiled offline, then run without the layout: the runner must pull and cannot.
    let (code, _, err) = dfc(
        &[
            "compile".as_ref(),
            "ctx".as_ref(),
            "--oci-layout".as_ref(),
            layout.as_os_str(),
            "-o".as_ref(),
            "def.pb".as_ref(),
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
            "store",
            "-o",
            "type=oci,dest=img.tar",
        ],
        d,
        &[],
    );
    assert_clean_error(code, 1, &err);
    assert!(
        err.contains("[1/2] FROM 127.0.0.1:1/nothing/here:1"),
        "step not named: {err}"
    );
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(!d.join("img.tar").exists());
}

#[test]
fn bad_build_inputs_exit_2_naming_the_problem() {
    let t = context("FROM busybox\nCOPY hello.txt /\nFNTRYPOINT [\"sh\"]\n");
    let d = t.path();
    // A Dockerfile error is rendered with its place.
    let (code, _, err) = dfc(&["build", "ctx", "--root", "store"], d, &[]);
    assert_clean_error(code, 2, &err);
    assert!(err.contains("unknown instruction: FNTRYPOINT"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    // No such context directory.
    let (code, _, err) = dfc(&["build", "nowhere", "--root", "store"], d, &[]);
    assert_clean_error(code, 2, &err);
    assert!(
        err.contains("nowhere") && err.contains("not a directory"),
        "{err}"
    );
    // No such Dockerfile.
    let (code, _, err) = dfc(
        &[
            "build",
            "ctx",
            "-f",
            "ctx/Missing.Dockerfile",
            "--root",
            "store",
        ],
        d,
        &[],
    );
    assert_clean_error(code, 2, &err);
    assert!(err.contains("Missing.Dockerfile"), "{err}");
    // A bad --output, --build-arg, --platform, --oci-layout.
    fs::write(d.join("ctx/Dockerfile"), "FROM busybox\n").unwrap();
    for (flag, value, named) in [
        ("-o", "type=bogus,dest=x", "type= must be"),
        ("-o", "type=image,name=x", "push=true"),
        ("--build-arg", "NOEQUALS", "KEY=VALUE"),
        ("--platform", "linux/", "--platform"),
        ("--oci-layout", "not-a-layout", "not-a-layout"),
    ] {
        let (code, _, err) = dfc(&["build", "ctx", "--root", "store", flag, value], d, &[]);
        assert_clean_error(code, 2, &err);
        assert!(err.contains(named), "{flag} {value}: {err}");
    }
    assert!(!Path::new(&d.join("x")).exists());
}

#[test]
fn run_of_a_compiled_dockerfile_without_its_context_says_what_to_pass() {
    let Some(layout) = common::shared("fixtures/busybox-oci") else {
        return;
    };
    let t = context("FROM busybox\nCOPY hello.txt /\n");
    let d = t.path();
    let (code, _, err) = dfc(
        &[
            "compile".as_ref(),
            "ctx".as_ref(),
            "--oci-layout".as_ref(),
            layout.as_os_str(),
            "-o".as_ref(),
            "def.pb".as_ref(),
        ],
        d,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = dfc(
        &[
            "run".as_ref(),
            "def.pb".as_ref(),
            "--root".as_ref(),
            "store".as_ref(),
            "--oci-layout".as_ref(),
            layout.as_os_str(),
        ],
        d,
        &[],
    );
    assert_clean_error(code, 1, &err);
    assert!(err.contains("pass --local context=DIR"), "{err}");
    // Truncated compiled LLB: exit 2, nothing run.
    let bytes = fs::read(d.join("def.pb")).unwrap();
    fs::write(d.join("cut.pb"), &bytes[..bytes.len() - 7]).unwrap();
    let (code, _, err) = dfc(&["run", "cut.pb", "--root", "store"], d, &[]);
    assert_clean_error(code, 2, &err);
    assert!(err.contains("cut.pb"), "{err}");
    // An image the layout does not hold (pinned digest elsewhere): named with the layout.
    let empty = d.join("empty-layout");
    fs::create_dir_all(empty.join("blobs/sha256")).unwrap();
    fs::write(
        empty.join("index.json"),
        r#"{"schemaVersion":2,"manifests":[]}"#,
    )
    .unwrap();
    fs::write(
        empty.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let (code, _, err) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store",
            "--local",
            "context=ctx",
            "--oci-layout",
            "empty-layout",
        ],
        d,
        &[],
    );
    assert_clean_error(code, 1, &err);
    assert!(
        err.contains("OCI layout empty-layout") && err.contains("does not hold this image"),
        "{err}"
    );
}
