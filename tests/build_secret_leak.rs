//! The secret-leak scan (issue 6's must-show), as root, against a real local registry
//! serving the busybox fixture: one Dockerfile whose RUN step uses a file secret and an
//! env secret next to an SSH agent mount (dfc's own agent serving a key made by
//! `ssh-keygen`), a cache mount of each sharing mode, a tmpfs mount and bind mounts
//! from another stage and from the context, built with random high-entropy secret
//! values through `dfc build` (progress plain, tty and rawjson) and through
//! `dfc compile | dfc run`; then every file under each `--root` (snapshots, cache
//! records, cache mounts, blobs, tmp), the OCI and docker archives (layers unpacked),
//! the LLB and all captured output are scanned for the secrets' bytes, their hex and
//! their base64 (at each alignment), and for every base64 line of the SSH private key,
//! and none is found. A positive control proves the
//! scanner finds each form.
//!
//! The RUN mounts are the [`MOUNTS`] list: a new mount kind is one more line there.

mod build_support;
mod common;
mod registry_support;

use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use build_support::Workspace;

/// The RUN step's mounts, one per line (the step's script uses each of them).
const MOUNTS: &[&str] = &[
    "--mount=type=secret,id=leak_file,required",
    "--mount=type=secret,id=leak_env,env=LEAK_ENV,required",
    "--mount=type=ssh,required",
    "--mount=type=cache,id=leak-shared,target=/cache/shared,sharing=shared",
    "--mount=type=cache,id=leak-private,target=/cache/private,sharing=private",
    "--mount=type=cache,id=leak-locked,target=/cache/locked,sharing=locked",
    "--mount=type=tmpfs,target=/scratch",
    "--mount=type=bind,from=helper,source=/helper.txt,target=/mnt/helper.txt",
    "--mount=type=bind,source=ctx.txt,target=/mnt/ctx.txt",
];

/// What the step does with its mounts: hashes and sizes of the secrets go to the image
/// (a digest is not the secret); the file secret is also copied to the tmpfs (memory
/// only); the caches and bind mounts get ordinary use.
const SCRIPT: &str = "sha256sum /run/secrets/leak_file | cut -d' ' -f1 > /file.sha \
 && wc -c < /run/secrets/leak_file > /file.size \
 && printf %s \"$LEAK_ENV\" | sha256sum | cut -d' ' -f1 > /env.sha \
 && test -S \"$SSH_AUTH_SOCK\" && echo agent > /ssh.txt \
 && cp /run/secrets/leak_file /scratch/copy && sha256sum /scratch/copy | cut -d' ' -f1 > /scratch.sha \
 && for m in shared private locked; do echo $m >> /cache/$m/log; done \
 && cat /mnt/helper.txt /mnt/ctx.txt > /mounted.txt";

fn dockerfile() -> String {
    format!(
        "ARG REG=docker.io/library\n\
         FROM ${{REG}}/busybox AS helper\n\
         RUN echo helper > /helper.txt\n\
         FROM ${{REG}}/busybox\n\
         COPY ctx.txt /copied.txt\n\
         RUN {} \\\n    {SCRIPT}\n",
        MOUNTS.join(" \\\n    ")
    )
}

/// A random secret of `n` characters drawn from 64 symbols (6 bits each).
fn random_secret(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = vec![0u8; n];
    fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut bytes)
        .unwrap();
    bytes
        .iter()
        .map(|b| ALPHABET[(b & 63) as usize] as char)
        .collect()
}

/// The byte strings that betray `secret`: itself, its hex (both cases), and the part of
/// its base64 (standard and URL-safe) that is the same wherever it starts in a longer
/// stream (one per alignment).
fn forms(secret: &str) -> Vec<(String, Vec<u8>)> {
    let s = secret.as_bytes();
    let hex: String = s.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = vec![
        ("raw".to_string(), s.to_vec()),
        ("hex".to_string(), hex.clone().into_bytes()),
        ("HEX".to_string(), hex.to_uppercase().into_bytes()),
    ];
    for (name, engine) in [
        ("base64", &base64::engine::general_purpose::STANDARD),
        ("base64url", &base64::engine::general_purpose::URL_SAFE),
    ] {
        for pad in 0..3 {
            let mut buf = vec![b'.'; pad];
            buf.extend_from_slice(s);
            let enc = engine.encode(&buf);
            // Drop the characters mixed with the padding and the unaligned tail.
            let core = &enc[4..enc.len() - 4];
            out.push((format!("{name}@{pad}"), core.as_bytes().to_vec()));
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Scans `bytes` (named `what`) and, when they are a gzip stream or a tar archive,
/// what they contain; pushes every form found with where.
fn scan(what: &str, bytes: &[u8], needles: &[(String, Vec<u8>)], hits: &mut Vec<String>) {
    for (form, n) in needles {
        if find(bytes, n) {
            hits.push(format!("{form} in {what}"));
        }
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut raw = Vec::new();
        if flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut raw)
            .is_ok()
        {
            scan(&format!("{what} (gunzipped)"), &raw, needles, hits);
        }
        return;
    }
    if bytes.len() >= 512 && &bytes[257..262] == b"ustar" {
        if let Ok(entries) = tar::Archive::new(bytes).entries() {
            for e in entries.flatten() {
                let mut e = e;
                let name = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let mut data = Vec::new();
                if e.read_to_end(&mut data).is_ok() {
                    scan(&format!("{what}:{name}"), &data, needles, hits);
                }
            }
        }
    }
}

/// Scans every file under `dir` (contents, names, symlink targets); returns the
/// regular files scanned.
fn scan_tree(dir: &Path, needles: &[(String, Vec<u8>)], hits: &mut Vec<String>) -> Vec<String> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            scan(
                &format!("the name {}", p.display()),
                p.as_os_str().as_bytes(),
                needles,
                hits,
            );
            let meta = fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                todo.push(p);
            } else if meta.file_type().is_symlink() {
                let target = fs::read_link(&p).unwrap();
                scan(
                    &format!("the link {}", p.display()),
                    target.as_os_str().as_bytes(),
                    needles,
                    hits,
                );
            } else if meta.is_file() {
                scan(
                    &p.display().to_string(),
                    &fs::read(&p).unwrap(),
                    needles,
                    hits,
                );
                files.push(p.display().to_string());
            }
        }
    }
    files
}

/// Runs `dfc` in `dir`; (exit code, stdout and stderr bytes).
fn dfc(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (i32, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied())
        .output()
        .expect("run dfc");
    let mut both = out.stdout;
    both.extend_from_slice(&out.stderr);
    (out.status.code().unwrap_or(-1), both)
}

#[test]
fn no_secret_reaches_the_store_archives_llb_or_output() {
    let Some(w) = Workspace::new() else { return };
    let d = w.dir();
    let file_secret = random_secret(48);
    let env_secret = random_secret(48);
    fs::write(d.join("ctx/Dockerfile"), dockerfile()).unwrap();
    fs::write(d.join("ctx/ctx.txt"), "from the context\n").unwrap();
    // The secret file lives outside the context and the store.
    let secrets = tempfile::tempdir().unwrap();
    let secret_path = secrets.path().join("leak_file");
    fs::write(&secret_path, &file_secret).unwrap();
    let file_spec = format!("id=leak_file,src={}", secret_path.display());
    let reg_arg = format!("REG={}/library", w.registry.addr);
    let env = [
        ("LEAK_SECRET_VALUE", env_secret.as_str()),
        ("SOURCE_DATE_EPOCH", "1700000000"),
    ];
    let mut needles = forms(&file_secret);
    needles.extend(forms(&env_secret));
    // The agent mount is served from a fresh key file; its private key's body is a
    // secret too.
    let key = secrets.path().join("id_ed25519");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "leak-test", "-f"])
        .arg(&key)
        .status();
    if !matches!(made, Ok(s) if s.success()) {
        assert!(
            std::env::var_os("DFC_REQUIRE_SHARED").is_none(),
            "ssh-keygen (openssh-client) is needed for the SSH mount; tools/test installs it"
        );
        eprintln!("skipping: ssh-keygen (openssh-client) is not installed");
        return;
    }
    let ssh_spec = format!("default={}", key.display());
    let private = fs::read_to_string(&key).unwrap();
    let key_lines: Vec<&str> = private
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 32)
        .collect();
    assert!(!key_lines.is_empty(), "no key body in {private}");
    needles.extend(
        key_lines
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("ssh private key line {i}"), l.as_bytes().to_vec())),
    );

    // Positive control: the scanner finds every form, raw and inside a gzipped tar.
    for secret in [&file_secret, &env_secret] {
        for (form, n) in forms(secret) {
            let mut hits = Vec::new();
            let mut stream = b"xy".to_vec();
            stream.extend_from_slice(&n);
            let mut tar = tar::Builder::new(Vec::new());
            let mut h = tar::Header::new_ustar();
            h.set_size(stream.len() as u64);
            h.set_mode(0o644);
            tar.append_data(&mut h, "f", &stream[..]).unwrap();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
            scan("control", &gz.finish().unwrap(), &needles, &mut hits);
            assert!(
                hits.iter()
                    .any(|h| h.starts_with(&format!("{form} in control"))),
                "the scanner misses {form}: {hits:?}"
            );
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("0{secret}1"));
        let mut hits = Vec::new();
        scan("control", b64.as_bytes(), &needles, &mut hits);
        assert!(!hits.is_empty(), "the scanner misses unaligned base64");
    }

    let mut output = Vec::new();
    let build = |progress: &str, extra: &[&str], output: &mut Vec<u8>| {
        let mut args = vec![
            "build",
            "ctx",
            "--root",
            "store",
            "--build-arg",
            &reg_arg,
            "--secret",
            &file_spec,
            "--secret",
            "id=leak_env,env=LEAK_SECRET_VALUE",
            "--ssh",
            &ssh_spec,
            "--progress",
            progress,
        ];
        args.extend_from_slice(extra);
        let (code, out) = dfc(&args, d, &env);
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
        output.extend_from_slice(&out);
    };
    build(
        "plain",
        &[
            "-t",
            "leak:1",
            "-o",
            "type=oci,dest=image.tar",
            "-o",
            "type=docker,dest=docker.tar",
            "-o",
            "out",
        ],
        &mut output,
    );
    // The step ran with the secrets (their digests are in the image) and its mounts.
    let sha = |s: &str| runner::llb_schema::digest(s.as_bytes()).hex();
    let read = |p: &str| fs::read_to_string(d.join("out").join(p)).unwrap();
    assert_eq!(read("file.sha").trim(), sha(&file_secret));
    assert_eq!(read("scratch.sha").trim(), sha(&file_secret));
    assert_eq!(read("env.sha").trim(), sha(&env_secret));
    assert_eq!(read("file.size").trim(), "48");
    assert_eq!(read("mounted.txt"), "helper\nfrom the context\n");
    assert_eq!(read("ssh.txt"), "agent\n");
    // The same steps again, uncached, under the other progress displays.
    for progress in ["tty", "rawjson"] {
        build(progress, &["--no-cache"], &mut output);
    }

    // The LLB: what `dfc compile` writes, and `dfc run` of it with the same secrets.
    let (code, out) = dfc(
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
        &env,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    output.extend_from_slice(&out);
    let (code, out) = dfc(
        &[
            "run",
            "def.pb",
            "--root",
            "store-run",
            "--local",
            "context=ctx",
            "--secret",
            &file_spec,
            "--secret",
            "type=env,id=leak_env,src=LEAK_SECRET_VALUE",
            "--ssh",
            &ssh_spec,
            "--progress",
            "plain",
            "-t",
            "leak:1",
            "-o",
            "type=oci,dest=run.tar",
        ],
        d,
        &env,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    output.extend_from_slice(&out);
    // `dfc build` runs the very definition `dfc compile` writes: the images are equal.
    assert_eq!(
        fs::read(d.join("image.tar")).unwrap(),
        fs::read(d.join("run.tar")).unwrap(),
        "dfc build and dfc compile | dfc run give different images"
    );
    let (code, dump) = dfc(&["dump", "def.pb"], d, &[]);
    assert_eq!(code, 0);
    assert!(
        find(&dump, b"\"secretenv\"") && find(&dump, b"leak_file"),
        "the LLB has the secret mounts"
    );

    let mut hits = Vec::new();
    let mut files = Vec::new();
    for root in ["store", "store-run"] {
        files.extend(scan_tree(&d.join(root), &needles, &mut hits));
    }
    // The scan saw the step's snapshot, the cache mounts' contents and the layer blobs.
    for (what, part, end) in [
        ("the RUN step's snapshot", "/snapshots/", "/file.sha"),
        ("the cache mounts", "/cache-mounts/", "/log"),
        ("the blobs", "/blobs/sha256/", ""),
    ] {
        assert!(
            files.iter().any(|f| f.contains(part) && f.ends_with(end)),
            "{what} are not among the {} files scanned",
            files.len()
        );
    }
    for f in ["image.tar", "docker.tar", "run.tar", "def.pb"] {
        scan(f, &fs::read(d.join(f)).unwrap(), &needles, &mut hits);
    }
    scan("dfc dump of the LLB", &dump, &needles, &mut hits);
    scan("the captured output", &output, &needles, &mut hits);
    scan_tree(&d.join("out"), &needles, &mut hits);
    assert!(hits.is_empty(), "secret found: {hits:#?}");

    // Nothing stays mounted on the host: the secrets' tmpfs lived in the container's
    // namespace only.
    let mountinfo = fs::read_to_string("/proc/self/mountinfo").unwrap();
    let dir = d.canonicalize().unwrap();
    assert!(
        !mountinfo.contains(dir.to_str().unwrap()),
        "a mount is left under the workspace: {mountinfo}"
    );
}
