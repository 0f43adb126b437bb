//! SSH agent forwarding end to end through `dfc build`, as root, with a real
//! `ssh-agent` and keys made by the real `ssh-keygen` (openssh-client; `tools/test`
//! installs it); the base image is the busybox fixture, served by a real local
//! `docker-registry` for the first case (the must-show) and from the OCI layout
//! for the others:
//!
//! - `--ssh default` (the agent at `$SSH_AUTH_SOCK`): `ssh-add -l` inside a RUN lists
//!   the test key; the agent is read-only from the build (`ssh-add -D` fails, the key
//!   stays); a later step without the mount sees no socket and no `SSH_AUTH_SOCK`, and
//!   the mount point is not in the image;
//! - `--ssh ID=SOCKET` with a custom target, uid, gid and mode, checked with `stat`;
//! - `--ssh ID=KEYFILE,KEYFILE` (the in-process agent): both keys listed, and
//!   `ssh-keygen -Y sign -f KEY.pub` signs through it with each (ed25519, RSA), verified
//!   on the host with `ssh-keygen -Y verify`;
//! - `dfc compile | dfc run --ssh …` forwards the same way; a failing step with the
//!   mount leaves nothing in the store's staging area;
//! - a missing required id fails naming the id, the step and the flag; a missing
//!   optional one leaves the mount out; bad `--ssh` flags fail before anything runs;
//! - rootless (a single-id user through `setpriv`): key files and the user's own agent
//!   are forwarded from inside the user namespace; a socket owner the namespace does
//!   not map fails naming /etc/subuid.
//!
//! busybox has no ssh client, so the host's `ssh-add` and `ssh-keygen` are put in the
//! build context with the shared libraries `ldd` names and run through the dynamic
//! loader (`ld-linux… --library-path /t /t/ssh-add`) from a bind mount.

mod build_support;
mod common;
mod registry_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A real `ssh-agent` listening on a socket, killed on drop.
struct Agent {
    child: Child,
    sock: PathBuf,
}

impl Agent {
    fn start(sock: &Path) -> Agent {
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(sock)
            .stdout(Stdio::null())
            .spawn()
            .expect("start ssh-agent");
        // Ready once it answers: `ssh-add -l` exits 1 for an empty agent, 2 when it
        // cannot connect (the socket may exist a moment before it listens).
        let answers = || {
            Command::new("ssh-add")
                .arg("-l")
                .env("SSH_AUTH_SOCK", sock)
                .output()
                .is_ok_and(|o| o.status.code() == Some(1))
        };
        for _ in 0..500 {
            if answers() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(answers(), "ssh-agent does not answer on {}", sock.display());
        Agent {
            child,
            sock: sock.to_path_buf(),
        }
    }

    fn add(&self, key: &Path) {
        let out = ssh_add(&self.sock, &[key.to_str().unwrap()]);
        assert!(out.0, "ssh-add {}: {}", key.display(), out.1);
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the host's ssh-add against `sock`: success and its output.
fn ssh_add(sock: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("ssh-add")
        .args(args)
        .env("SSH_AUTH_SOCK", sock)
        .output()
        .expect("run ssh-add");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// A fresh key pair of `kind` (with `passphrase`), made by ssh-keygen.
fn keygen(dir: &Path, name: &str, kind: &[&str], passphrase: &str) -> PathBuf {
    let path = dir.join(name);
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t"])
        .args(kind)
        .args(["-N", passphrase, "-C", name, "-f"])
        .arg(&path)
        .status()
        .expect("run ssh-keygen");
    assert!(st.success());
    path
}

/// The `SHA256:…` fingerprint of a public key file, as ssh-keygen prints it.
fn fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(public)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_string()
}

/// A workspace: `ctx/` with the Dockerfile and `t/` (ssh-add, ssh-keygen, their
/// libraries and the loader), or `None` when root, openssh-client or `../shared` is
/// missing.
struct Ws {
    tmp: tempfile::TempDir,
    layout: PathBuf,
    loader: String,
    /// When set, busybox comes from this registry instead of the layout.
    registry: Option<registry_support::LocalRegistry>,
}

impl Ws {
    fn new(dockerfile: &str) -> Option<Ws> {
        let layout = build_support::offline_layout()?;
        let tools: Vec<PathBuf> = ["ssh-agent", "ssh-add", "ssh-keygen"]
            .iter()
            .filter_map(|t| which(t))
            .collect();
        if tools.len() != 3 {
            eprintln!("skipping: openssh-client (ssh-agent, ssh-add, ssh-keygen) is not installed; tools/test installs it");
            return None;
        }
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path().join("ctx/t");
        fs::create_dir_all(&t).unwrap();
        fs::write(tmp.path().join("ctx/Dockerfile"), dockerfile).unwrap();
        let mut loader = None;
        for bin in &tools[1..] {
            fs::copy(bin, t.join(bin.file_name().unwrap())).unwrap();
            let ldd = Command::new("ldd").arg(bin).output().expect("run ldd");
            for word in String::from_utf8_lossy(&ldd.stdout).split_whitespace() {
                if !word.starts_with('/') {
                    continue;
                }
                let name = Path::new(word).file_name().unwrap().to_str().unwrap();
                if name.starts_with("ld-linux") {
                    loader = Some(name.to_string());
                }
                fs::copy(word, t.join(name)).unwrap();
            }
        }
        Some(Ws {
            tmp,
            layout,
            loader: loader.expect("ldd names the dynamic loader"),
            registry: None,
        })
    }

    /// As [`Ws::new`], with busybox served by a real local `docker-registry` (the
    /// fixture pushed as `library/busybox:latest`); `None` without the registry.
    fn with_registry() -> Option<Ws> {
        let Some(bin) = registry_support::registry_binary() else {
            eprintln!("skipping: docker-registry is not installed (tools/test installs it)");
            return None;
        };
        let mut ws = Ws::new("")?;
        let registry = registry_support::LocalRegistry::start(&bin);
        registry.push_layout(&ws.layout, "library/busybox", "latest");
        ws.registry = Some(registry);
        Some(ws)
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes the Dockerfile, with `TOOL` standing for the loader command running
    /// a tool from `/t` and `FROM busybox` naming the registry's when there is one.
    fn dockerfile(&self, text: &str) {
        let tool = format!("/t/{} --library-path /t /t/", self.loader);
        let mut text = text.replace("TOOL", &tool);
        if let Some(reg) = &self.registry {
            text = text.replace(
                "FROM busybox",
                &format!("FROM {}/library/busybox", reg.addr),
            );
        }
        fs::write(self.dir().join("ctx/Dockerfile"), text).unwrap();
    }

    /// Runs `dfc build ctx … -o out` with `extra` flags and `SSH_AUTH_SOCK` set to
    /// `auth_sock` (unset when `None`): exit code and standard error.
    fn build(&self, extra: &[&str], auth_sock: Option<&Path>) -> (i32, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dfc"));
        cmd.args(["build", "ctx"]);
        if self.registry.is_none() {
            cmd.arg("--oci-layout").arg(&self.layout);
        }
        cmd.args(["--root", "store", "--progress", "plain", "-o", "out"])
            .args(extra)
            .current_dir(self.dir())
            .env_remove("SOURCE_DATE_EPOCH")
            .env_remove("SSH_AUTH_SOCK");
        if let Some(s) = auth_sock {
            cmd.env("SSH_AUTH_SOCK", s);
        }
        let out = cmd.output().expect("run dfc");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn read(&self, file: &str) -> String {
        fs::read_to_string(self.dir().join("out").join(file))
            .unwrap_or_else(|e| panic!("out/{file}: {e}"))
    }
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(tool))
            .find(|c| c.is_file())
    })
}

#[test]
fn the_forwarded_agent_is_seen_only_by_the_steps_that_ask() {
    let Some(ws) = Ws::with_registry() else {
        return;
    };
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=bind,source=t,target=/t --mount=type=ssh \
         echo \"sock=$SSH_AUTH_SOCK\" > /first.txt && TOOLssh-add -l >> /first.txt && \
         (TOOLssh-add -D > /dev/null 2>&1; echo \"delete=$?\" >> /first.txt)\n\
         RUN if [ -e /run/buildkit/ssh_agent.0 ]; then echo present; else echo absent; fi \
         > /second.txt && echo \"SSH_AUTH_SOCK=${SSH_AUTH_SOCK-unset}\" >> /second.txt\n",
    );
    let key = keygen(ws.dir(), "test-ed25519", &["ed25519"], "");
    let agent = Agent::start(&ws.dir().join("agent.sock"));
    agent.add(&key);
    let (code, err) = ws.build(&["--ssh", "default"], Some(&agent.sock));
    assert_eq!(code, 0, "{err}");
    let reg = &ws.registry.as_ref().unwrap().addr;
    assert!(
        err.contains(&format!("FROM {reg}/library/busybox")),
        "pulled from the registry: {err}"
    );
    let first = ws.read("first.txt");
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines[0], "sock=/run/buildkit/ssh_agent.0", "{first}");
    let fp = fingerprint(&key.with_extension("pub"));
    assert!(
        lines[1].starts_with("256 ") && lines[1].contains(&fp) && lines[1].ends_with("(ED25519)"),
        "ssh-add -l inside lists the test key {fp}: {first}"
    );
    // The agent is forwarded read-only: removing keys fails and the key stays.
    assert_eq!(lines[2], "delete=1", "{first}");
    let (ok, listed) = ssh_add(&agent.sock, &["-l"]);
    assert!(ok && listed.contains(&fp), "{listed}");
    assert_eq!(ws.read("second.txt"), "absent\nSSH_AUTH_SOCK=unset\n");
    // Neither the socket's mount point nor the directories made for it reach the image.
    assert!(!ws.dir().join("out/run").exists());
    // Nothing of the socket stays in the store's staging area.
    let staging = ws.dir().join("store/tmp");
    let left: Vec<_> = fs::read_dir(&staging)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}

#[test]
fn a_socket_forwarded_by_id_honours_target_uid_gid_and_mode() {
    let Some(ws) = Ws::new("") else {
        return;
    };
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=bind,source=t,target=/t \
         --mount=type=ssh,id=work,target=/agent/work.sock,uid=1000,gid=1001,mode=0640 \
         stat -c '%u %g %a %F' /agent/work.sock > /stat.txt && \
         echo \"sock=$SSH_AUTH_SOCK\" >> /stat.txt && TOOLssh-add -l >> /stat.txt\n",
    );
    let key = keygen(ws.dir(), "work-rsa", &["rsa", "-b", "2048"], "");
    let agent = Agent::start(&ws.dir().join("work.sock"));
    agent.add(&key);
    let flag = format!("work={}", agent.sock.display());
    // No SSH_AUTH_SOCK: the socket comes from the flag alone.
    let (code, err) = ws.build(&["--ssh", &flag], None);
    assert_eq!(code, 0, "{err}");
    let stat = ws.read("stat.txt");
    let lines: Vec<&str> = stat.lines().collect();
    assert_eq!(lines[0], "1000 1001 640 socket", "{stat}");
    assert_eq!(lines[1], "sock=/agent/work.sock", "{stat}");
    let fp = fingerprint(&key.with_extension("pub"));
    assert!(
        lines[2].contains(&fp) && lines[2].ends_with("(RSA)"),
        "{stat}"
    );
    assert!(!ws.dir().join("out/agent").exists());
}

#[test]
fn key_files_are_served_by_the_in_process_agent() {
    let Some(ws) = Ws::new("") else {
        return;
    };
    let ed = keygen(ws.dir(), "id-ed25519", &["ed25519"], "");
    let rsa = keygen(ws.dir(), "id-rsa", &["rsa", "-b", "3072"], "");
    for k in [&ed, &rsa] {
        let name = k.file_name().unwrap().to_str().unwrap();
        fs::copy(
            k.with_extension("pub"),
            ws.dir().join(format!("ctx/t/{name}.pub")),
        )
        .unwrap();
    }
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=bind,source=t,target=/t --mount=type=ssh,id=keys,required=true \
         TOOLssh-add -l > /keys.txt && mkdir /signed && echo 'signed through the agent' > /signed/msg && \
         cp /signed/msg /signed/msg-rsa && \
         TOOLssh-keygen -Y sign -f /t/id-ed25519.pub -n dfc-test /signed/msg && \
         TOOLssh-keygen -Y sign -f /t/id-rsa.pub -n dfc-test /signed/msg-rsa\n",
    );
    let flag = format!("keys={},{}", ed.display(), rsa.display());
    let (code, err) = ws.build(&["--ssh", &flag], None);
    assert_eq!(code, 0, "{err}");
    let keys = ws.read("keys.txt");
    let lines: Vec<&str> = keys.lines().collect();
    assert_eq!(lines.len(), 2, "{keys}");
    assert!(
        lines[0].contains(&fingerprint(&ed.with_extension("pub"))),
        "{keys}"
    );
    assert!(
        lines[1].contains(&fingerprint(&rsa.with_extension("pub"))),
        "{keys}"
    );
    // Each signature made inside verifies on the host against its public key.
    let signed = ws.dir().join("out/signed");
    for (key, msg) in [(&ed, "msg"), (&rsa, "msg-rsa")] {
        let public = fs::read_to_string(key.with_extension("pub")).unwrap();
        let allowed = ws.dir().join("allowed_signers");
        fs::write(&allowed, format!("tester {public}")).unwrap();
        let out = Command::new("ssh-keygen")
            .args(["-Y", "verify", "-f"])
            .arg(&allowed)
            .args(["-I", "tester", "-n", "dfc-test", "-s"])
            .arg(signed.join(format!("{msg}.sig")))
            .stdin(fs::File::open(signed.join(msg)).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{msg}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The signature is not merely present: a changed message fails to verify.
        let tampered = Command::new("ssh-keygen")
            .args(["-Y", "verify", "-f"])
            .arg(&allowed)
            .args(["-I", "tester", "-n", "dfc-test", "-s"])
            .arg(signed.join(format!("{msg}.sig")))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(b"something else\n")?;
                c.wait()
            })
            .unwrap();
        assert!(!tampered.success());
    }
}

#[test]
fn a_missing_required_id_fails_naming_it_and_an_optional_one_is_left_out() {
    let Some(ws) = Ws::new("") else {
        return;
    };
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=ssh,id=maybe \
         if [ -e /run/buildkit/ssh_agent.0 ]; then echo present; else echo absent; fi > /optional.txt\n\
         RUN --mount=type=ssh,id=deploy,required=true echo must not run\n",
    );
    let (code, err) = ws.build(&[], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("no SSH agent is forwarded as \"deploy\"")
            && err.contains("pass --ssh deploy=SOCKET|KEYFILE")
            && err.contains("[stage-0 3/3] RUN --mount=type=ssh,id=deploy,required=true"),
        "{err}"
    );
    assert!(!ws.dir().join("out").exists(), "no output after a failure");
    // Without the required step, the optional mount is simply absent.
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=ssh,id=maybe \
         if [ -e /run/buildkit/ssh_agent.0 ]; then echo present; else echo absent; fi > /optional.txt\n",
    );
    let (code, err) = ws.build(&[], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ws.read("optional.txt"), "absent\n");
    // The default id names its own fix.
    ws.dockerfile("FROM busybox\nRUN --mount=type=ssh,required=true true\n");
    let (code, err) = ws.build(&[], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("no SSH agent is forwarded as \"default\"")
            && err.contains("pass --ssh default (the agent at $SSH_AUTH_SOCK)"),
        "{err}"
    );
}

#[test]
fn bad_ssh_flags_fail_before_anything_runs() {
    let Some(ws) = Ws::new("") else {
        return;
    };
    ws.dockerfile("FROM busybox\nRUN --mount=type=ssh true\n");
    let encrypted = keygen(ws.dir(), "locked", &["ed25519"], "a passphrase");
    let pem = keygen(ws.dir(), "pem", &["rsa", "-b", "2048", "-m", "PEM"], "");
    let key = keygen(ws.dir(), "plain", &["ed25519"], "");
    let agent = Agent::start(&ws.dir().join("a.sock"));
    let cases: Vec<(Vec<String>, Option<&Path>, &str)> = vec![
        (
            vec!["default".into()],
            None,
            "--ssh \"default\": SSH_AUTH_SOCK is not set, so there is no agent to forward",
        ),
        (
            vec!["x=/nonexistent/agent.sock".into()],
            None,
            "--ssh \"x=/nonexistent/agent.sock\": /nonexistent/agent.sock: No such file or directory",
        ),
        (
            vec![format!("x={}", encrypted.display())],
            None,
            "the key is encrypted and dfc cannot ask for its passphrase: load it into an agent (ssh-add",
        ),
        (
            vec![format!("x={}", pem.display())],
            None,
            "this is a PEM or PKCS#8 key, which dfc does not read",
        ),
        (
            vec![format!("x={}", key.with_extension("pub").display())],
            None,
            "not an OpenSSH private key",
        ),
        (
            vec![format!("x={},{}", agent.sock.display(), key.display())],
            None,
            "give one agent socket or key files, not both",
        ),
        (
            vec!["default".into(), format!("={}", key.display())],
            Some(&agent.sock),
            "the id \"default\" is given twice",
        ),
    ];
    for (flags, sock, want) in cases {
        let mut extra = Vec::new();
        for f in &flags {
            extra.push("--ssh");
            extra.push(f.as_str());
        }
        let (code, err) = ws.build(&extra, sock);
        assert_eq!(code, 2, "{flags:?}: {err}");
        assert!(err.contains(want), "{flags:?}: want {want:?} in {err}");
        assert!(!err.contains("#1 "), "nothing ran: {err}");
        assert!(!ws.dir().join("out").exists());
    }
}

#[test]
fn dfc_run_forwards_agents_too() {
    let Some(ws) = Ws::new("") else {
        return;
    };
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=bind,source=t,target=/t --mount=type=ssh,required=true \
         TOOLssh-add -l > /keys.txt\n",
    );
    let key = keygen(ws.dir(), "run-ecdsa", &["ecdsa", "-b", "256"], "");
    let dfc = env!("CARGO_BIN_EXE_dfc");
    let compiled = Command::new(dfc)
        .args(["compile", "ctx", "--oci-layout"])
        .arg(&ws.layout)
        .current_dir(ws.dir())
        .output()
        .unwrap();
    assert!(compiled.status.success());
    fs::write(ws.dir().join("def.pb"), &compiled.stdout).unwrap();
    let out = Command::new(dfc)
        .args(["run", "def.pb", "--local", "context=ctx", "--oci-layout"])
        .arg(&ws.layout)
        .args([
            "--root",
            "store",
            "--progress",
            "plain",
            "-o",
            "out",
            "--ssh",
        ])
        .arg(format!("default={}", key.display()))
        .current_dir(ws.dir())
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = ws.read("keys.txt");
    assert!(
        keys.contains(&fingerprint(&key.with_extension("pub"))) && keys.contains("(ECDSA)"),
        "{keys}"
    );
}

#[test]
fn a_failing_step_leaves_no_socket_behind() {
    let Some(ws) = Ws::new("") else {
        return;
    };
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=ssh,required=true test -S /run/buildkit/ssh_agent.0 && \
         echo socket was there && exit 3\n",
    );
    let key = keygen(ws.dir(), "failing", &["ed25519"], "");
    let flag = format!("default={}", key.display());
    let (code, err) = ws.build(&["--ssh", &flag], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("socket was there") && err.contains("exit code: 3"),
        "{err}"
    );
    let left: Vec<_> = fs::read_dir(ws.dir().join("store/tmp"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}

/// An id with no password entry and no subordinate ids: a single-id rootless build.
const ROOTLESS_ID: u32 = 4251;

fn chown_tree(p: &Path, id: u32) {
    std::os::unix::fs::lchown(p, Some(id), Some(id)).unwrap();
    if fs::symlink_metadata(p).unwrap().is_dir() {
        for e in fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path(), id);
        }
    }
}

#[test]
fn a_rootless_build_forwards_its_users_agent_and_keys() {
    let Some(ws) = Ws::new("") else {
        return;
    };
    let Some(setpriv) = which("setpriv") else {
        eprintln!("skipping: setpriv (util-linux) is not installed");
        return;
    };
    ws.dockerfile(
        "FROM busybox\n\
         RUN --mount=type=bind,source=t,target=/t --mount=type=ssh,id=keys,required=true \
         TOOLssh-add -l > /keys.txt && stat -c '%u %g %a %F' $SSH_AUTH_SOCK >> /keys.txt\n\
         RUN --mount=type=bind,source=t,target=/t --mount=type=ssh,required=true \
         TOOLssh-add -l > /agent.txt\n",
    );
    let key = keygen(ws.dir(), "rootless-key", &["ed25519"], "");
    let agent_key = keygen(ws.dir(), "agent-key", &["ed25519"], "");
    chown_tree(ws.dir(), ROOTLESS_ID);
    // The user's own agent, started as the user.
    let as_user = |program: &Path| {
        let mut c = Command::new(&setpriv);
        let id = ROOTLESS_ID.to_string();
        c.args(["--reuid", &id, "--regid", &id, "--clear-groups", "--"])
            .arg(program);
        c
    };
    let sock = ws.dir().join("user-agent.sock");
    let child = as_user(&which("ssh-agent").unwrap())
        .args(["-D", "-a"])
        .arg(&sock)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let agent = Agent {
        child,
        sock: sock.clone(),
    };
    for _ in 0..500 {
        if ssh_add(&agent.sock, &["-l"]).1.contains("no identities") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    agent.add(&agent_key);
    let build = |extra: &[String]| {
        let out = as_user(Path::new(env!("CARGO_BIN_EXE_dfc")))
            .args(["build", "ctx", "--oci-layout"])
            .arg(&ws.layout)
            .args(["--root", "store", "--progress", "plain", "-o", "out"])
            .args(extra)
            .current_dir(ws.dir())
            .env("HOME", ws.dir())
            .env("SSH_AUTH_SOCK", &agent.sock)
            .env_remove("XDG_DATA_HOME")
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let keys_flag = format!("keys={}", key.display());
    let (code, err) = build(&[
        "--ssh".into(),
        keys_flag.clone(),
        "--ssh".into(),
        "default".into(),
    ]);
    assert_eq!(code, 0, "{err}");
    let keys = ws.read("keys.txt");
    assert!(
        keys.contains(&fingerprint(&key.with_extension("pub")))
            && keys.ends_with("0 0 600 socket\n"),
        "{keys}"
    );
    assert!(
        ws.read("agent.txt")
            .contains(&fingerprint(&agent_key.with_extension("pub"))),
        "the user's agent is relayed from inside the user namespace"
    );
    // Only root exists in a single-id namespace: a socket for another owner names the fix.
    ws.dockerfile(
        "FROM busybox\nRUN --mount=type=ssh,id=keys,uid=1000,gid=1000,required=true true\n",
    );
    chown_tree(&ws.dir().join("ctx"), ROOTLESS_ID);
    let (code, err) = build(&["--ssh".into(), keys_flag]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the SSH agent socket for /run/buildkit/ssh_agent.0 is owned by 1000:1000, which is not mapped")
            && err.contains("/etc/subuid"),
        "{err}"
    );
}
