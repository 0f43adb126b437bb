//! The namespace executor: runs an exec op's process as PID 1 of fresh
//! mount, PID, UTS, IPC (and, for network `none`, network) namespaces,
//! pivoted into the prepared rootfs with /proc, a minimal /dev, /sys and the
//! op's bind and tmpfs mounts, and secret files (`secret.rs`). Needs root:
//! real root, or root of a rootless build's user namespace, where device
//! nodes are the host's bound onto files (mknod is refused) and /sys is the
//! host's bound read-only when sysfs cannot be mounted. No daemon, no
//! cgroups, no OCI runtime.
//!
//! Confinement: a step keeps containerd's default capability set (bounding,
//! effective and permitted; a non-root USER then has none), as BuildKit's
//! RUN steps do. With no device cgroup, devices are confined by mounts: the
//! rootfs and every bound tree are nodev, and /dev is nodev except its
//! standard nodes, each its own mount, so a node a step mknods (which
//! CAP_MKNOD allows, as in BuildKit) cannot be opened. No seccomp filter is
//! applied. `insecure` keeps every capability, binds the host's /dev and
//! mounts /sys writable.
//!
//! How: the spawned child unshares, then forks; the grandchild is PID 1 of
//! the new PID namespace and sets up its mounts, identity and cwd before
//! exec, while the child waits for it and exits with its status (so the
//! caller waits on an ordinary child). The child dies with the runner and the
//! grandchild with the child (`PR_SET_PDEATHSIG`), which is how cancellation kills
//! the container, and why a SIGKILLed runner leaves no container behind.
//! Everything the pre-exec code needs is prepared before the fork: after it
//! only system calls run.

use std::ffi::CString;
use std::fs;
use std::io::{self, Read};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::secret;
use super::user;
use super::{ExecError, ExecOutcome, ExecSpec, Executor, Network};
use crate::fsutil::resolve_in_root;

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Runs exec ops in Linux namespaces (root only).
#[derive(Debug, Clone, Default)]
pub struct NamespaceExecutor {
    _private: (),
}

impl NamespaceExecutor {
    /// The executor, or why it cannot work here (not root, no namespaces).
    pub fn new() -> Result<NamespaceExecutor, String> {
        if !crate::ops::running_as_root() {
            return Err("exec ops need root (the namespace executor mounts and unshares)".into());
        }
        if !Path::new("/proc/self/ns/pid").exists() {
            return Err("this kernel has no PID namespaces".into());
        }
        Ok(NamespaceExecutor { _private: () })
    }
}

/// One pre-exec step; all strings prepared before the fork.
enum Step {
    Mount {
        src: CString,
        dst: CString,
        fstype: CString,
        flags: libc::c_ulong,
        data: CString,
        optional: bool,
    },
    /// A device node; where mknod is refused (a user namespace), an empty
    /// file with the host's node `host` bound onto it.
    Mknod {
        path: CString,
        major: u32,
        minor: u32,
        host: CString,
    },
    /// Sets mount attributes (`MOUNT_ATTR_*`: read-only, nodev) on the mount
    /// at `dst` (and, when `recursive`, those below), keeping its other flags
    /// (a user namespace may not clear locked ones).
    Attr {
        dst: CString,
        set: u64,
        recursive: bool,
    },
    /// sysfs at `dst`; where that is refused (a user namespace that does not
    /// own the network namespace) the host's /sys bound instead.
    Sysfs {
        dst: CString,
        flags: libc::c_ulong,
        readonly: bool,
        host: CString,
    },
    Mkdir {
        path: CString,
    },
    Symlink {
        target: CString,
        path: CString,
    },
    /// A secret file written into the secrets' tmpfs (see `secret.rs`).
    SecretFile {
        path: CString,
        data: crate::secrets::SecretBytes,
        uid: u32,
        gid: u32,
        mode: u32,
    },
}

fn cstr(p: impl AsRef<[u8]>) -> Result<CString, ExecError> {
    CString::new(p.as_ref().to_vec()).map_err(|_| ExecError::Setup {
        what: "path contains a NUL byte".into(),
        source: io::Error::from(io::ErrorKind::InvalidInput),
    })
}

fn host(rootfs: &Path, container: &str) -> Result<PathBuf, ExecError> {
    resolve_in_root(rootfs, container, true).map_err(|source| ExecError::Setup {
        what: format!("resolve {container}"),
        source,
    })
}

/// Creates a mount point (dir or file) if missing; records what it created.
fn stub(path: &Path, dir: bool, created: &mut Vec<PathBuf>) -> Result<(), ExecError> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut p = path.parent();
    while let Some(q) = p {
        if q.exists() {
            break;
        }
        missing.push(q.to_path_buf());
        p = q.parent();
    }
    for q in missing.into_iter().rev() {
        fs::create_dir(&q).map_err(|source| ExecError::Setup {
            what: format!("create mount point {}", q.display()),
            source,
        })?;
        created.push(q);
    }
    let r = if dir {
        fs::create_dir(path)
    } else {
        fs::write(path, b"")
    };
    r.map_err(|source| ExecError::Setup {
        what: format!("create mount point {}", path.display()),
        source,
    })?;
    created.push(path.to_path_buf());
    Ok(())
}

fn find_program(rootfs: &Path, arg0: &str, env: &[String]) -> Result<String, ExecError> {
    if arg0.contains('/') {
        return Ok(arg0.to_string());
    }
    let path = env
        .iter()
        .rev()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let cand = format!("{}/{arg0}", dir.trim_end_matches('/'));
        if let Ok(p) = resolve_in_root(rootfs, &cand, true) {
            use std::os::unix::fs::PermissionsExt;
            if fs::metadata(&p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0) {
                return Ok(cand);
            }
        }
    }
    Err(ExecError::Setup {
        what: format!("exec: {arg0:?}: executable file not found in $PATH"),
        source: io::Error::from(io::ErrorKind::NotFound),
    })
}

impl Executor for NamespaceExecutor {
    fn run(
        &self,
        spec: &ExecSpec,
        log: &mut dyn FnMut(&[u8]),
        cancel: &AtomicBool,
    ) -> Result<ExecOutcome, ExecError> {
        let Some(arg0) = spec.args.first() else {
            return Err(ExecError::Setup {
                what: "the exec op has no arguments".into(),
                source: io::Error::from(io::ErrorKind::InvalidInput),
            });
        };
        let rootfs = &spec.rootfs;
        let id = user::resolve(rootfs, &spec.user).map_err(|what| ExecError::Setup {
            what,
            source: io::Error::from(io::ErrorKind::NotFound),
        })?;
        let mut env: Vec<String> = spec.env.clone();
        if !env.iter().any(|e| e.starts_with("PATH=")) {
            env.push(format!("PATH={DEFAULT_PATH}"));
        }
        if !env.iter().any(|e| e.starts_with("HOME=")) {
            env.push(format!("HOME={}", id.home));
        }
        let program = find_program(rootfs, arg0, &env)?;
        let mut created = Vec::new();
        let result = self.run_prepared(spec, &id, &env, &program, &mut created, log, cancel);
        for p in created.iter().rev() {
            let _ = if p.is_dir() {
                fs::remove_dir(p)
            } else {
                fs::remove_file(p)
            };
        }
        result
    }
}

impl NamespaceExecutor {
    #[allow(clippy::too_many_arguments)]
    fn run_prepared(
        &self,
        spec: &ExecSpec,
        id: &user::Identity,
        env: &[String],
        program: &str,
        created: &mut Vec<PathBuf>,
        log: &mut dyn FnMut(&[u8]),
        cancel: &AtomicBool,
    ) -> Result<ExecOutcome, ExecError> {
        let rootfs = &spec.rootfs;
        let cwd = host(rootfs, &spec.cwd)?;
        if !cwd.exists() {
            fs::create_dir_all(&cwd).map_err(|source| ExecError::Setup {
                what: format!("create working directory {}", spec.cwd),
                source,
            })?;
        }
        let mut steps = Vec::new();
        let nodev = !spec.insecure;
        let bind = |src: &Path,
                    dst: &Path,
                    readonly: bool,
                    steps: &mut Vec<Step>|
         -> Result<(), ExecError> {
            steps.push(Step::Mount {
                src: cstr(src.as_os_str().as_bytes())?,
                dst: cstr(dst.as_os_str().as_bytes())?,
                fstype: CString::default(),
                flags: libc::MS_BIND | libc::MS_REC,
                data: CString::default(),
                optional: false,
            });
            // Outside insecure mode no bound tree may serve device nodes: a step
            // that mknods a disk's node in its rootfs cannot open it (dfc has no
            // device cgroup; see `dev_readonly` for /dev itself).
            let set = if readonly { ATTR_RDONLY } else { 0 } | if nodev { ATTR_NODEV } else { 0 };
            if set != 0 {
                steps.push(Step::Attr {
                    dst: cstr(dst.as_os_str().as_bytes())?,
                    set,
                    recursive: true,
                });
            }
            Ok(())
        };
        bind(rootfs, rootfs, false, &mut steps)?;
        let special = |name: &str,
                       fstype: &str,
                       flags: libc::c_ulong,
                       data: &str,
                       optional: bool,
                       steps: &mut Vec<Step>,
                       created: &mut Vec<PathBuf>|
         -> Result<(), ExecError> {
            let p = host(rootfs, name)?;
            stub(&p, true, created)?;
            steps.push(Step::Mount {
                src: cstr(fstype)?,
                dst: cstr(p.as_os_str().as_bytes())?,
                fstype: cstr(fstype)?,
                flags,
                data: cstr(data)?,
                optional,
            });
            Ok(())
        };
        special(
            "/proc",
            "proc",
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            "",
            false,
            &mut steps,
            created,
        )?;
        if spec.insecure {
            // BuildKit's insecure mode gives the container the host's devices.
            let p = host(rootfs, "/dev")?;
            stub(&p, true, created)?;
            bind(Path::new("/dev"), &p, false, &mut steps)?;
        } else {
            special(
                "/dev",
                "tmpfs",
                libc::MS_NOSUID | libc::MS_STRICTATIME,
                "mode=755,size=65536k",
                false,
                &mut steps,
                created,
            )?;
            let dev = host(rootfs, "/dev")?;
            for (name, major, minor) in [
                ("null", 1, 3),
                ("zero", 1, 5),
                ("full", 1, 7),
                ("random", 1, 8),
                ("urandom", 1, 9),
                ("tty", 5, 0),
            ] {
                let path = cstr(dev.join(name).as_os_str().as_bytes())?;
                steps.push(Step::Mknod {
                    path: path.clone(),
                    major,
                    minor,
                    host: cstr(format!("/dev/{name}"))?,
                });
                // Each standard node is its own mount, so it stays usable when
                // /dev itself becomes nodev below.
                steps.push(Step::Mount {
                    src: path.clone(),
                    dst: path,
                    fstype: CString::default(),
                    flags: libc::MS_BIND,
                    data: CString::default(),
                    optional: false,
                });
            }
            for d in ["pts", "shm"] {
                steps.push(Step::Mkdir {
                    path: cstr(dev.join(d).as_os_str().as_bytes())?,
                });
            }
            steps.push(Step::Mount {
                src: cstr("devpts")?,
                dst: cstr(dev.join("pts").as_os_str().as_bytes())?,
                fstype: cstr("devpts")?,
                flags: libc::MS_NOSUID | libc::MS_NOEXEC,
                data: cstr("newinstance,ptmxmode=0666,mode=0620")?,
                optional: true,
            });
            steps.push(Step::Mount {
                src: cstr("shm")?,
                dst: cstr(dev.join("shm").as_os_str().as_bytes())?,
                fstype: cstr("tmpfs")?,
                flags: libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                data: cstr("mode=1777,size=65536k")?,
                optional: false,
            });
            for (target, name) in [
                ("/proc/self/fd", "fd"),
                ("/proc/self/fd/0", "stdin"),
                ("/proc/self/fd/1", "stdout"),
                ("/proc/self/fd/2", "stderr"),
                ("pts/ptmx", "ptmx"),
            ] {
                steps.push(Step::Symlink {
                    target: cstr(target)?,
                    path: cstr(dev.join(name).as_os_str().as_bytes())?,
                });
            }
        }
        let sys_ro = if spec.insecure { 0 } else { libc::MS_RDONLY };
        let sys = host(rootfs, "/sys")?;
        stub(&sys, true, created)?;
        steps.push(Step::Sysfs {
            dst: cstr(sys.as_os_str().as_bytes())?,
            flags: sys_ro | libc::MS_NOSUID | libc::MS_NOEXEC | libc::MS_NODEV,
            readonly: !spec.insecure,
            host: cstr("/sys")?,
        });
        if spec.network == Network::Host {
            for f in ["/etc/resolv.conf", "/etc/hosts"] {
                if Path::new(f).is_file() {
                    let p = host(rootfs, f)?;
                    stub(&p, false, created)?;
                    bind(Path::new(f), &p, true, &mut steps)?;
                }
            }
        }
        if !spec.secrets.files.is_empty() {
            // Mounted after the fork, inside the private mount namespace: the host's
            // staging directory stays empty.
            steps.push(Step::Mount {
                src: cstr("tmpfs")?,
                dst: cstr(spec.secrets.staging.as_os_str().as_bytes())?,
                fstype: cstr("tmpfs")?,
                flags: libc::MS_NODEV | libc::MS_NOSUID,
                data: cstr(spec.secrets.tmpfs_data())?,
                optional: false,
            });
        }
        let secret_binds = |k: usize,
                            steps: &mut Vec<Step>,
                            created: &mut Vec<PathBuf>|
         -> Result<(), ExecError> {
            for (i, f) in spec.secrets.files.iter().enumerate() {
                if f.after != k {
                    continue;
                }
                let src = cstr(
                    spec.secrets
                        .staging
                        .join(format!("s{i}"))
                        .as_os_str()
                        .as_bytes(),
                )?;
                let p = host(rootfs, &f.dest)?;
                if p.is_dir() {
                    return Err(ExecError::Setup {
                        what: format!(
                            "secret mount target {} is a directory in the rootfs; give target= a file path",
                            f.dest
                        ),
                        source: io::Error::from_raw_os_error(libc::EISDIR),
                    });
                }
                stub(&p, false, created)?;
                let dst = cstr(p.as_os_str().as_bytes())?;
                steps.push(Step::SecretFile {
                    path: src.clone(),
                    data: f.data.clone(),
                    uid: f.uid,
                    gid: f.gid,
                    mode: f.mode,
                });
                steps.push(Step::Mount {
                    src,
                    dst: dst.clone(),
                    fstype: CString::default(),
                    flags: libc::MS_BIND,
                    data: CString::default(),
                    optional: false,
                });
                steps.push(Step::Mount {
                    src: CString::default(),
                    dst,
                    fstype: CString::default(),
                    flags: libc::MS_BIND
                        | libc::MS_REMOUNT
                        | libc::MS_RDONLY
                        | secret::bind_flags(f.mode),
                    data: CString::default(),
                    optional: false,
                });
            }
            Ok(())
        };
        for (k, m) in spec.mounts.iter().enumerate() {
            secret_binds(k, &mut steps, created)?;
            let p = host(rootfs, &m.dest)?;
            if let Some(size) = m.tmpfs {
                stub(&p, true, created)?;
                let mut data = "mode=1777".to_string();
                if size > 0 {
                    data.push_str(&format!(",size={size}"));
                }
                let ro = if m.readonly { libc::MS_RDONLY } else { 0 };
                steps.push(Step::Mount {
                    src: cstr("tmpfs")?,
                    dst: cstr(p.as_os_str().as_bytes())?,
                    fstype: cstr("tmpfs")?,
                    flags: ro | libc::MS_NOSUID | libc::MS_STRICTATIME,
                    data: cstr(data)?,
                    optional: false,
                });
                continue;
            }
            stub(&p, m.source.is_dir(), created)?;
            bind(&m.source, &p, m.readonly, &mut steps)?;
        }
        secret_binds(spec.mounts.len(), &mut steps, created)?;
        if !spec.insecure {
            // Last, once every mount is in place: /dev stays writable, but a node a
            // step creates there cannot be opened (only the standard nodes, each its
            // own mount, can) — dfc's stand-in for BuildKit's device cgroup.
            steps.push(Step::Attr {
                dst: cstr(host(rootfs, "/dev")?.as_os_str().as_bytes())?,
                set: ATTR_NODEV,
                recursive: false,
            });
        }
        let root_c = cstr(rootfs.as_os_str().as_bytes())?;
        let cwd_c = cstr(spec.cwd.as_bytes())?;
        let hostname = spec.hostname.clone().into_bytes();
        let groups: Vec<libc::gid_t> = id.groups.clone();
        let (uid, gid) = (id.uid, id.gid);
        let net_none = spec.network == Network::None;
        // Outside insecure mode the step keeps only the default capability set.
        let drop_caps = !spec.insecure;
        let last_cap = last_capability();
        // A user namespace with a single-id mapping denies setgroups.
        let set_groups =
            fs::read_to_string("/proc/self/setgroups").map_or(true, |s| s.trim() != "deny");
        let dot = cstr(".")?;
        let runner_pid = std::process::id() as libc::pid_t;
        let slash = cstr("/")?;

        let (out_r, out_w) = pipe()?;
        let (diag_r, diag_w) = pipe()?;
        let out_w2 = out_w.try_clone().map_err(|source| ExecError::Setup {
            what: "dup output pipe".into(),
            source,
        })?;
        use std::os::fd::AsRawFd;
        let diag_fd = diag_w.as_raw_fd();
        let mut cmd = Command::new(program);
        cmd.arg0(&spec.args[0])
            .args(&spec.args[1..])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::from(out_w))
            .stderr(Stdio::from(out_w2));
        for e in env {
            let (k, v) = e.split_once('=').unwrap_or((e, ""));
            cmd.env(k, v);
        }
        for (k, v) in &spec.secrets.env {
            cmd.env(k, std::ffi::OsStr::from_bytes(v.expose()));
        }
        // SAFETY: the closure only makes system calls on data prepared above
        // (no allocation, no locks), as required between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let fail = |step: u32| -> io::Result<()> {
                    let e = io::Error::last_os_error();
                    let b = step.to_le_bytes();
                    libc::write(diag_fd, b.as_ptr().cast(), 4);
                    Err(e)
                };
                // Die with the runner's thread: a killed build leaves no container
                // (hence no secret tmpfs) running behind it.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0
                    || libc::getppid() != runner_pid
                {
                    return fail(1007);
                }
                let mut flags = libc::CLONE_NEWNS
                    | libc::CLONE_NEWUTS
                    | libc::CLONE_NEWIPC
                    | libc::CLONE_NEWPID;
                if net_none {
                    flags |= libc::CLONE_NEWNET;
                }
                if libc::unshare(flags) != 0 {
                    return fail(1000);
                }
                let pid = libc::fork();
                if pid < 0 {
                    return fail(1001);
                }
                if pid > 0 {
                    // The waiting child: let the caller's spawn return once
                    // the grandchild execs, then mirror its exit status.
                    libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
                    let mut status = 0;
                    loop {
                        let r = libc::waitpid(pid, &mut status, 0);
                        if r == pid {
                            break;
                        }
                        if r < 0 && *libc::__errno_location() != libc::EINTR {
                            libc::_exit(125);
                        }
                    }
                    let code = if libc::WIFEXITED(status) {
                        libc::WEXITSTATUS(status)
                    } else {
                        128 + libc::WTERMSIG(status)
                    };
                    libc::_exit(code);
                }
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
                if libc::mount(
                    std::ptr::null(),
                    slash.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) != 0
                {
                    return fail(1002);
                }
                for (i, s) in steps.iter().enumerate() {
                    let ok = match s {
                        Step::Mount {
                            src,
                            dst,
                            fstype,
                            flags,
                            data,
                            optional,
                        } => {
                            let p = |c: &CString| {
                                if c.as_bytes().is_empty() {
                                    std::ptr::null()
                                } else {
                                    c.as_ptr()
                                }
                            };
                            libc::mount(p(src), dst.as_ptr(), p(fstype), *flags, p(data).cast())
                                == 0
                                || *optional
                        }
                        Step::Mknod {
                            path,
                            major,
                            minor,
                            host,
                        } => {
                            if libc::mknod(
                                path.as_ptr(),
                                libc::S_IFCHR | 0o666,
                                libc::makedev(*major, *minor),
                            ) == 0
                            {
                                libc::chmod(path.as_ptr(), 0o666) == 0
                            } else {
                                bind_node(host, path)
                            }
                        }
                        Step::Attr {
                            dst,
                            set,
                            recursive,
                        } => set_mount_attr(dst, *set, *recursive),
                        Step::Sysfs {
                            dst,
                            flags,
                            readonly,
                            host,
                        } => {
                            let sysfs = c"sysfs".as_ptr();
                            // Optional, as before: a container may go without /sys.
                            if libc::mount(sysfs, dst.as_ptr(), sysfs, *flags, std::ptr::null())
                                != 0
                                && libc::mount(
                                    host.as_ptr(),
                                    dst.as_ptr(),
                                    std::ptr::null(),
                                    libc::MS_BIND | libc::MS_REC,
                                    std::ptr::null(),
                                ) == 0
                                && *readonly
                                && !set_mount_attr(dst, ATTR_RDONLY, true)
                            {
                                // Never a writable host /sys: none instead.
                                libc::umount2(dst.as_ptr(), libc::MNT_DETACH);
                            }
                            true
                        }
                        Step::Mkdir { path } => libc::mkdir(path.as_ptr(), 0o755) == 0,
                        Step::Symlink { target, path } => {
                            libc::symlink(target.as_ptr(), path.as_ptr()) == 0
                        }
                        Step::SecretFile {
                            path,
                            data,
                            uid,
                            gid,
                            mode,
                        } => secret::write_file(path, data.expose(), *uid, *gid, *mode),
                    };
                    if !ok {
                        return fail(i as u32);
                    }
                }
                if libc::chdir(root_c.as_ptr()) != 0
                    || libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr()) != 0
                    || libc::umount2(dot.as_ptr(), libc::MNT_DETACH) != 0
                    || libc::chdir(slash.as_ptr()) != 0
                {
                    return fail(1003);
                }
                if libc::sethostname(hostname.as_ptr().cast(), hostname.len()) != 0 {
                    return fail(1004);
                }
                if net_none {
                    loopback_up();
                }
                if drop_caps && !keep_default_capabilities(last_cap) {
                    return fail(1008);
                }
                if (set_groups && libc::setgroups(groups.len(), groups.as_ptr()) != 0)
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return fail(1005);
                }
                if libc::chdir(cwd_c.as_ptr()) != 0 {
                    return fail(1006);
                }
                Ok(())
            });
        }
        let spawned = cmd.spawn();
        drop(cmd);
        drop(diag_w);
        let mut child = match spawned {
            Ok(c) => c,
            Err(source) => {
                let mut b = [0u8; 4];
                let step = match fs::File::from(diag_r).read_exact(&mut b) {
                    Ok(()) => u32::from_le_bytes(b),
                    Err(_) => u32::MAX,
                };
                let what = match step {
                    1000 => "unshare namespaces".to_string(),
                    1001 => "fork PID 1".to_string(),
                    1002 | 1003 => "enter the root filesystem".to_string(),
                    1004 => "set hostname".to_string(),
                    1005 => format!("switch to user {:?}", spec.user),
                    1006 => format!("enter working directory {}", spec.cwd),
                    1007 => "tie the container to the runner's life".to_string(),
                    1008 => "drop capabilities to the default set".to_string(),
                    u32::MAX => format!("start {program}"),
                    i => format!("mount step {i}"),
                };
                // A rootless namespace may not have the step's user at all.
                let source = if step == 1005
                    && source.raw_os_error() == Some(libc::EINVAL)
                    && crate::userns::in_user_namespace()
                {
                    crate::userns::unmapped_user(uid, gid)
                } else {
                    source
                };
                return Err(ExecError::Setup { what, source });
            }
        };
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        let reader = std::thread::spawn(move || {
            let mut f = fs::File::from(out_r);
            let mut buf = vec![0u8; 8192];
            while let Ok(n) = f.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let status = loop {
            while let Ok(chunk) = rx.try_recv() {
                log(&chunk);
            }
            if cancel.load(Ordering::SeqCst) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExecError::Cancelled);
            }
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(source) => {
                    return Err(ExecError::Setup {
                        what: "wait for the process".into(),
                        source,
                    })
                }
            }
        };
        let _ = reader.join();
        while let Ok(chunk) = rx.try_recv() {
            log(&chunk);
        }
        let code = status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        let ok = if spec.valid_exit_codes.is_empty() {
            code == 0
        } else {
            spec.valid_exit_codes.contains(&code)
        };
        if !ok {
            return Err(ExecError::ExitCode {
                args: spec.args.clone(),
                code,
            });
        }
        Ok(ExecOutcome { exit_code: code })
    }
}

fn pipe() -> Result<(OwnedFd, OwnedFd), ExecError> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds we then own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(ExecError::Setup {
            what: "create pipe".into(),
            source: io::Error::last_os_error(),
        });
    }
    // SAFETY: both fds are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Binds the host's device node `host` onto a new empty file `path`, for a
/// user namespace where mknod is refused (system calls only).
unsafe fn bind_node(host: &CString, path: &CString) -> bool {
    let fd = libc::open(
        path.as_ptr(),
        libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC,
        0o666,
    );
    if fd < 0 {
        return false;
    }
    libc::close(fd);
    libc::mount(
        host.as_ptr(),
        path.as_ptr(),
        std::ptr::null(),
        libc::MS_BIND,
        std::ptr::null(),
    ) == 0
}

/// `mount_setattr(2)`'s argument.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// The capabilities a step keeps outside insecure mode: containerd's (and
/// Docker's) default set — CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID,
/// SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE,
/// SETFCAP — which BuildKit's OCI worker gives its RUN steps.
const DEFAULT_CAPS: u64 = 0xa804_25fb;

/// The highest capability number this kernel knows (`cap_last_cap`).
fn last_capability() -> u32 {
    fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

/// Drops every capability outside [`DEFAULT_CAPS`] from the bounding set and
/// sets the effective and permitted sets to it (inheritable, hence ambient,
/// empty). A later switch to a non-root user clears the rest, as for any
/// process (system calls only).
unsafe fn keep_default_capabilities(last_cap: u32) -> bool {
    for cap in 0..=last_cap.min(63) {
        if DEFAULT_CAPS & (1 << cap) == 0
            && libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) != 0
            && *libc::__errno_location() != libc::EINVAL
        {
            return false;
        }
    }
    #[repr(C)]
    struct Header {
        version: u32,
        pid: libc::c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    // _LINUX_CAPABILITY_VERSION_3: two 32-bit words.
    let header = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let word = |i: u32| (DEFAULT_CAPS >> (32 * i)) as u32;
    let data = [
        Data {
            effective: word(0),
            permitted: word(0),
            inheritable: 0,
        },
        Data {
            effective: word(1),
            permitted: word(1),
            inheritable: 0,
        },
    ];
    libc::syscall(libc::SYS_capset, &header as *const Header, data.as_ptr()) == 0
}

/// `MOUNT_ATTR_RDONLY`.
const ATTR_RDONLY: u64 = 0x1;
/// `MOUNT_ATTR_NODEV`.
const ATTR_NODEV: u64 = 0x4;

/// Sets the attributes `set` (`ATTR_*`) on the mount at `dst` (with
/// `recursive`, on every mount below it too) without touching its other
/// flags (`mount_setattr`, Linux 5.12); older kernels get a bind remount,
/// which in a user namespace fails on mounts with locked flags (system calls
/// only).
unsafe fn set_mount_attr(dst: &CString, set: u64, recursive: bool) -> bool {
    const AT_RECURSIVE: libc::c_uint = 0x8000;
    let attr = MountAttr {
        attr_set: set,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let r = libc::syscall(
        libc::SYS_mount_setattr,
        libc::AT_FDCWD,
        dst.as_ptr(),
        if recursive { AT_RECURSIVE } else { 0 },
        &attr as *const MountAttr,
        std::mem::size_of::<MountAttr>(),
    );
    if r == 0 {
        return true;
    }
    if *libc::__errno_location() != libc::ENOSYS {
        return false;
    }
    let mut flags = libc::MS_BIND | libc::MS_REMOUNT;
    if set & ATTR_RDONLY != 0 {
        flags |= libc::MS_RDONLY;
    }
    if set & ATTR_NODEV != 0 {
        flags |= libc::MS_NODEV;
    }
    if recursive {
        flags |= libc::MS_REC;
    }
    libc::mount(
        std::ptr::null(),
        dst.as_ptr(),
        std::ptr::null(),
        flags,
        std::ptr::null(),
    ) == 0
}

/// Brings `lo` up in a fresh network namespace (system calls only).
unsafe fn loopback_up() {
    let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    if s < 0 {
        return;
    }
    let mut req: libc::ifreq = std::mem::zeroed();
    for (d, c) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *d = *c as libc::c_char;
    }
    if libc::ioctl(s, libc::SIOCGIFFLAGS, &mut req) == 0 {
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        libc::ioctl(s, libc::SIOCSIFFLAGS, &req);
    }
    libc::close(s);
}
