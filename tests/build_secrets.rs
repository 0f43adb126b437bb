//! `RUN --mount=type=secret` end to end through `dfc build`, as root, offline (the base
//! image from the busybox OCI layout fixture):
//!
//! - a file secret at the default `/run/secrets/ID` and at a custom target with
//!   mode/uid/gid, read-only, on a tmpfs; an env secret; the `id=ID` shorthand reading
//!   the variable `ID`, or else the file `ID`; the steps see the right bytes (their
//!   digests are written to the image), and neither the bytes nor the mount points
//!   reach the image;
//! - a required secret that is not given fails the build (exit 1) naming the id and
//!   the step; an optional one gives no file, and an empty variable (BuildKit's rule);
//! - a changed secret value leaves the step cached (secrets are not in cache keys);
//! - bad `--secret` values are refused before anything runs (exit 2), naming the value
//!   and the fix, never showing a secret's content.
//! - while a step runs its secret is mounted only in the container's namespace (the host
//!   does not see it); SIGKILLing the build kills the container, so the secret's tmpfs
//!   is gone within moments, and nothing under the store holds the secret.

mod build_support;
mod common;
mod registry_support;

use std::fs;
use std::path::Path;

use build_support::{dfc, image_files, offline_context};

/// `dfc build ctx` offline into `store`, with `extra` flags and environment.
fn build(dir: &Path, layout: &Path, extra: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut args = vec![
        "build",
        "ctx",
        "--oci-layout",
        layout.to_str().unwrap(),
        "--root",
        "store",
        "--progress",
        "plain",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = dfc(&args, dir, env);
    (code, format!("{out}{err}"))
}

fn sha(bytes: &[u8]) -> String {
    runner::llb_schema::digest(bytes).hex()
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const SECRETS_DOCKERFILE: &str = "FROM busybox\n\
RUN --mount=type=secret,id=tok \
    --mount=type=secret,id=key,target=/opt/keys/key.pem,mode=0440,uid=1234,gid=2345 \
    --mount=type=secret,id=api,env=API_TOKEN \
    --mount=type=secret,id=SHORT_ENV \
    --mount=type=secret,id=short-file \
    sha256sum /run/secrets/tok | cut -d' ' -f1 > /tok.sha \
 && stat -c '%a %u %g %s' /run/secrets/tok > /tok.stat \
 && stat -c '%a %u %g %s' /opt/keys/key.pem > /key.stat \
 && sha256sum /opt/keys/key.pem | cut -d' ' -f1 > /key.sha \
 && printf %s \"$API_TOKEN\" | sha256sum | cut -d' ' -f1 > /api.sha \
 && sha256sum /run/secrets/SHORT_ENV | cut -d' ' -f1 > /short-env.sha \
 && sha256sum /run/secrets/short-file | cut -d' ' -f1 > /short-file.sha \
 && grep ' /run/secrets/tok ' /proc/mounts | cut -d' ' -f3,4 > /tok.mount \
 && (echo x 2>/dev/null > /run/secrets/tok && echo writable || echo read-only) > /tok.ro\n\
RUN test -z \"$API_TOKEN\" && test ! -e /run/secrets/tok && echo clean > /after.txt\n";

#[test]
fn file_and_env_secrets_reach_the_step_and_not_the_image() {
    let Some((tmp, layout)) = offline_context(SECRETS_DOCKERFILE) else {
        return;
    };
    let d = tmp.path();
    let (tok, key, api, short_env, short_file) = (
        "tok-Zq8TfWm3pLx7",
        "-----BEGIN KEY-----\nkey-Rt5Hn2Vb9Kd4\n-----END KEY-----\n",
        "api-Yc6Gs1Nw4Jh8",
        "short-env-Pe3Ua7Xo2Ci5",
        "short-file-Lm9Bq4Tz8Wv1",
    );
    fs::write(d.join("tok.txt"), tok).unwrap();
    fs::write(d.join("key.pem"), key).unwrap();
    // `id=short-file` with no such variable: the file of that name in the cwd.
    fs::write(d.join("short-file"), short_file).unwrap();
    let (code, out) = build(
        d,
        &layout,
        &[
            "--secret",
            "id=tok,src=tok.txt",
            "--secret",
            "id=key,source=key.pem,type=file",
            "--secret",
            "id=api,env=DFC_TEST_API",
            "--secret",
            "id=SHORT_ENV",
            "--secret",
            "id=short-file",
            "-o",
            "out",
            "-o",
            "type=oci,dest=image.tar",
        ],
        &[("DFC_TEST_API", api), ("SHORT_ENV", short_env)],
    );
    assert_eq!(code, 0, "{out}");
    let o = d.join("out");
    assert_eq!(read(&o.join("tok.sha")).trim(), sha(tok.as_bytes()));
    // Defaults: mode 0400, owned by root; its size is the secret's.
    assert_eq!(
        read(&o.join("tok.stat")),
        format!("400 0 0 {}\n", tok.len())
    );
    assert_eq!(
        read(&o.join("key.stat")),
        format!("440 1234 2345 {}\n", key.len())
    );
    assert_eq!(read(&o.join("key.sha")).trim(), sha(key.as_bytes()));
    assert_eq!(read(&o.join("api.sha")).trim(), sha(api.as_bytes()));
    assert_eq!(
        read(&o.join("short-env.sha")).trim(),
        sha(short_env.as_bytes())
    );
    assert_eq!(
        read(&o.join("short-file.sha")).trim(),
        sha(short_file.as_bytes())
    );
    let mount = read(&o.join("tok.mount"));
    assert!(mount.starts_with("tmpfs ro,"), "a read-only tmpfs: {mount}");
    assert_eq!(read(&o.join("tok.ro")), "read-only\n");
    // The next step sees neither the variable nor the file.
    assert_eq!(read(&o.join("after.txt")), "clean\n");
    // No mount point the step created is left in the image (busybox has no /run, /opt).
    assert!(!o.join("run").exists() && !o.join("opt").exists());

    let image = image_files(&d.join("image.tar"));
    assert!(!image
        .files
        .keys()
        .any(|k| k.starts_with("run") || k.starts_with("opt")));
    for secret in [tok, key, api, short_env, short_file] {
        for (path, e) in &image.files {
            assert!(
                !contains(&e.content, secret.as_bytes()),
                "{path} holds a secret"
            );
        }
        assert!(!out.contains(secret), "the progress output shows a secret");
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_missing_required_secret_names_the_id_and_the_step() {
    let df = "FROM busybox\n\
        RUN --mount=type=secret,id=deploy-key,required cat /run/secrets/deploy-key > /k\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let (code, out) = build(d, &layout, &["-o", "out"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("secret \"deploy-key\" is required by this step but was not provided"),
        "{out}"
    );
    assert!(out.contains("--secret id=deploy-key,src=FILE"), "{out}");
    assert!(
        out.contains("step \"[stage-0 2/2] RUN --mount=type=secret,id=deploy-key,required"),
        "names the step: {out}"
    );
    assert!(!d.join("out").exists(), "no output after a failed build");
    // Another secret does not stand in for it.
    fs::write(d.join("other"), "x").unwrap();
    let (code, out) = build(d, &layout, &["--secret", "id=other,src=other"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"deploy-key\""), "{out}");
}

#[test]
fn a_missing_optional_secret_gives_no_file_and_an_empty_variable() {
    // `required` defaults to false: these are optional. BuildKit skips the mount (no
    // file, no mount point) and sets the variable to the empty string.
    let df = "FROM busybox\n\
        RUN --mount=type=secret,id=nope --mount=type=secret,id=nope2,target=/etc/nope \
        --mount=type=secret,id=nenv,env=NENV \
        sh -c 'test ! -e /run/secrets/nope && test ! -e /etc/nope && echo absent > /nope.txt; \
        echo \"${NENV+set}:${NENV}\" > /nenv.txt'\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    let (code, out) = build(d, &layout, &["-o", "out"], &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(read(&d.join("out/nope.txt")), "absent\n");
    assert_eq!(read(&d.join("out/nenv.txt")), "set:\n");
    assert!(!d.join("out/run").exists());
}

#[test]
fn a_secret_target_that_is_a_directory_is_a_clear_error() {
    let df = "FROM busybox\n\
        RUN --mount=type=secret,id=s,target=/etc true\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    fs::write(d.join("s"), "value").unwrap();
    let (code, out) = build(d, &layout, &["--secret", "id=s,src=s"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "secret mount target /etc is a directory in the rootfs; give target= a file path"
        ),
        "{out}"
    );
}

#[test]
fn a_changed_secret_value_keeps_the_step_cached() {
    // BuildKit keys an exec op by its definition (the secret's id, target, mode), never
    // by the secret's value: changing the value does not rerun the step.
    let df = "FROM busybox\n\
        RUN --mount=type=secret,id=s sha256sum /run/secrets/s > /s.sha\n";
    let Some((tmp, layout)) = offline_context(df) else {
        return;
    };
    let d = tmp.path();
    fs::write(d.join("s"), "first-value").unwrap();
    let (code, out) = build(d, &layout, &["--secret", "id=s,src=s", "-o", "a"], &[]);
    assert_eq!(code, 0, "{out}");
    fs::write(d.join("s"), "second-value").unwrap();
    let (code, out) = build(d, &layout, &["--secret", "id=s,src=s", "-o", "b"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("#2 ") && l.ends_with("CACHED")),
        "the RUN step is cached: {out}"
    );
    assert_eq!(read(&d.join("a/s.sha")), read(&d.join("b/s.sha")));
    // --no-cache reruns it with the new value.
    let (code, out) = build(
        d,
        &layout,
        &["--secret", "id=s,src=s", "-o", "c", "--no-cache"],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(read(&d.join("c/s.sha")).starts_with(&sha(b"second-value")));
}

#[test]
fn bad_secret_flags_are_refused_before_anything_runs() {
    // Needs neither root nor ../shared: the flags are checked before compiling.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir_all(d.join("ctx")).unwrap();
    fs::write(d.join("ctx/Dockerfile"), "FROM busybox\nRUN true\n").unwrap();
    fs::write(d.join("big"), vec![b'Q'; 600 * 1024]).unwrap();
    for (spec, want) in [
        (
            "id=a,path=x",
            "unknown key \"path\"; the keys are id, src (or source), env and type",
        ),
        ("src=big", "no id; add id=ID"),
        ("id=a,type=ssh", "use type=file or type=env"),
        ("id=a,src=does-not-exist", "cannot read does-not-exist"),
        (
            "id=a,env=DFC_TEST_UNSET_VAR",
            "environment variable DFC_TEST_UNSET_VAR is not set",
        ),
        (
            "id=dfc-no-such",
            "no environment variable dfc-no-such and no file dfc-no-such",
        ),
        ("id=a,src=big", "limited to 512000 bytes"),
    ] {
        let (code, out, err) = dfc(
            &["build", "ctx", "--root", "store", "--secret", spec],
            d,
            &[],
        );
        assert_eq!(code, 2, "{spec}: {err}");
        assert!(err.contains(&format!("--secret {spec:?}: ")), "{err}");
        assert!(err.contains(want), "{spec}: {err}");
        assert!(
            !err.contains("QQQQ") && !out.contains("QQQQ"),
            "shows content: {err}"
        );
        assert!(!d.join("store").exists(), "nothing ran for {spec}");
    }
}

/// Every `/proc/PID/mountinfo` line, of every process, that contains `needle`.
fn mounts_anywhere(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // Processes come and go while we read.
        if let Ok(text) = fs::read_to_string(e.path().join("mountinfo")) {
            found.extend(
                text.lines()
                    .filter(|l| l.contains(needle))
                    .map(|l| format!("pid {}: {l}", name.to_string_lossy())),
            );
        }
    }
    found
}

#[test]
fn a_killed_build_leaves_no_secret_mounted_or_on_disk() {
    use std::io::BufRead;
    let unique = format!(
        "kill-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let df = format!(
        "FROM busybox\n\
         RUN --mount=type=secret,id={unique},required sh -c 'wc -c /run/secrets/{unique}; echo READY; sleep 30'\n"
    );
    let Some((tmp, layout)) = offline_context(&df) else {
        return;
    };
    let d = tmp.path();
    let value = format!("value-of-{unique}-Hq3Ls8Xe");
    fs::write(d.join("s"), &value).unwrap();
    let spec = format!("id={unique},src=s");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args([
            "build",
            "ctx",
            "--oci-layout",
            layout.to_str().unwrap(),
            "--root",
            "store",
            "--progress",
            "plain",
            "--secret",
            &spec,
        ])
        .current_dir(d)
        .env_remove("SOURCE_DATE_EPOCH")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    loop {
        let Some(Ok(l)) = lines.next() else {
            panic!("the build ended before its step ran: {seen}");
        };
        seen.push_str(&l);
        seen.push('\n');
        if l.ends_with("READY") {
            break;
        }
    }
    // While the step runs, its secret is mounted in the container's namespace only.
    let target = format!("/run/secrets/{unique}");
    let inside = mounts_anywhere(&target);
    assert!(!inside.is_empty(), "the step's secret mount is not found");
    let host = fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !host.contains(&unique),
        "the host sees the secret mount: {host}"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The container dies with the runner, and its secret tmpfs with it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left = mounts_anywhere(&target);
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the secret is still mounted after the build was killed: {left:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // And nothing under the store holds the secret.
    let mut todo = vec![d.join("store")];
    while let Some(dir) = todo.pop() {
        for e in fs::read_dir(&dir).unwrap().flatten() {
            let (p, meta) = (e.path(), fs::symlink_metadata(e.path()).unwrap());
            if meta.is_dir() {
                todo.push(p);
            } else if meta.is_file() {
                assert!(
                    !contains(&fs::read(&p).unwrap(), value.as_bytes()),
                    "{} holds the secret",
                    p.display()
                );
            }
        }
    }
}
