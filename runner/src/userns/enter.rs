//! Running the current program again inside a new user and mount namespace
//! where the calling user is root, as `buildah unshare` and rootlesskit do:
//! the child unshares, the parent writes its id mappings, then the child
//! execs `/proc/self/exe` with the same arguments and the parent waits for
//! it and returns its exit status.
//!
//! Mappings: when `/etc/subuid` and `/etc/subgid` give the user subordinate
//! ranges, 0 is the user and 1.. are those ranges, written by the setuid
//! helpers `newuidmap`/`newgidmap` (found on `PATH`); otherwise 0 is the user
//! and no other id exists (`setgroups` denied), which the parent writes
//! itself. Files owned by other ids then cannot be created: a layer or a
//! step needing them fails naming the fix ([`super::unmapped_owner`]).
//!
//! What it does not do: set up networking (builds use the host's network),
//! cgroups, or anything inside the namespace (the re-run program does).

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::subid::{read_ranges, SubRange};

/// Set by the parent in the child's environment to the parent's pid, so the
/// re-run program can tie its life to the parent's ([`adopt_parent`]).
pub const PARENT_ENV: &str = "DFC_ROOTLESS_PARENT";

/// Why a rootless namespace could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RootlessError {
    /// `unshare(CLONE_NEWUSER)` was refused.
    #[error(
        "cannot create a user namespace as uid {uid} ({error}); rootless builds need \
         unprivileged user namespaces: set `sysctl -w user.max_user_namespaces=15000` \
         (0 disables them; ENOSPC means the limit is reached), on Debian kernels before \
         5.10 `sysctl -w kernel.unprivileged_userns_clone=1`, under AppArmor \
         `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`; or run dfc as root"
    )]
    Unshare {
        /// The calling user.
        uid: u32,
        /// The kernel's refusal (shown in the message).
        error: io::Error,
    },
    /// Subordinate ids are configured but a helper is not installed.
    #[error(
        "{tool} was not found on PATH, but {user} has subordinate ids in /etc/subuid and \
         /etc/subgid, which only {tool} can map: install it (Debian: apt-get install \
         uidmap), or remove the user's lines from /etc/subuid and /etc/subgid to build \
         with a single-id mapping (only root inside)"
    )]
    MissingHelper {
        /// `newuidmap` or `newgidmap`.
        tool: &'static str,
        /// The user, by name or id.
        user: String,
    },
    /// Only one of the two subordinate id files has ranges for the user.
    #[error(
        "{user} has subordinate ids in {has} but none in {lacks}: add a line \
         `{user}:FIRST:COUNT` to {lacks} (both files need one), or remove the user's \
         lines from {has} to build with a single-id mapping"
    )]
    HalfConfigured {
        /// The user, by name or id.
        user: String,
        /// The file with ranges.
        has: &'static str,
        /// The file without.
        lacks: &'static str,
    },
    /// A mapping helper ran and failed.
    #[error(
        "{tool} {args} failed ({status}): {stderr}; check the user's lines in /etc/subuid \
         and /etc/subgid and that {tool} is installed setuid root (Debian package uidmap)"
    )]
    HelperFailed {
        /// The helper.
        tool: PathBuf,
        /// Its arguments.
        args: String,
        /// How it ended.
        status: String,
        /// What it said.
        stderr: String,
    },
    /// Writing a single-id mapping failed.
    #[error("cannot write {file} of the user namespace: {source}")]
    WriteMap {
        /// The `/proc/PID/...` file.
        file: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The child could not be started or waited for.
    #[error("cannot run dfc again inside its user namespace: {source}")]
    Spawn {
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// How ids map into the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping {
    /// 0 is the user, nothing else exists.
    Single {
        /// The user's uid.
        uid: u32,
        /// The user's primary gid.
        gid: u32,
    },
    /// 0 is the user, 1.. the subordinate ranges, in order.
    Subordinate {
        /// The user's uid.
        uid: u32,
        /// The user's primary gid.
        gid: u32,
        /// `/etc/subuid` ranges.
        uids: Vec<SubRange>,
        /// `/etc/subgid` ranges.
        gids: Vec<SubRange>,
        /// `newuidmap`.
        newuidmap: PathBuf,
        /// `newgidmap`.
        newgidmap: PathBuf,
    },
}

/// The user's name from the password database, if it has one.
fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0u8; 16384];
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: the buffers outlive the call; `out` points into `pw` or is null.
    let rc =
        unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr().cast(), buf.len(), &mut out) };
    if rc != 0 || out.is_null() {
        return None;
    }
    // SAFETY: pw_name is a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

/// An executable named `tool` in a directory of `PATH`.
fn on_path(tool: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

impl Mapping {
    /// The mapping for the calling user, from `subuid`/`subgid` (normally
    /// `/etc/subuid`, `/etc/subgid`) and the helpers on `PATH`.
    pub fn for_current_user(subuid: &Path, subgid: &Path) -> Result<Mapping, RootlessError> {
        // SAFETY: plain getters.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let name = user_name(uid);
        let user = name.clone().unwrap_or_else(|| uid.to_string());
        let uids = read_ranges(subuid, name.as_deref(), uid);
        let gids = read_ranges(subgid, name.as_deref(), uid);
        match (uids.is_empty(), gids.is_empty()) {
            (true, true) => return Ok(Mapping::Single { uid, gid }),
            (false, true) | (true, false) => {
                let (has, lacks) = if uids.is_empty() {
                    ("/etc/subgid", "/etc/subuid")
                } else {
                    ("/etc/subuid", "/etc/subgid")
                };
                return Err(RootlessError::HalfConfigured { user, has, lacks });
            }
            (false, false) => {}
        }
        let newuidmap = on_path("newuidmap").ok_or_else(|| RootlessError::MissingHelper {
            tool: "newuidmap",
            user: user.clone(),
        })?;
        let newgidmap = on_path("newgidmap").ok_or_else(|| RootlessError::MissingHelper {
            tool: "newgidmap",
            user: user.clone(),
        })?;
        Ok(Mapping::Subordinate {
            uid,
            gid,
            uids,
            gids,
            newuidmap,
            newgidmap,
        })
    }

    /// Writes the mapping of the user namespace of process `pid`.
    fn write(&self, pid: u32) -> Result<(), RootlessError> {
        match self {
            Mapping::Single { uid, gid } => {
                let write = |name: &str, text: String| {
                    let file = format!("/proc/{pid}/{name}");
                    fs::write(&file, text)
                        .map_err(|source| RootlessError::WriteMap { file, source })
                };
                write("setgroups", "deny".into())?;
                write("uid_map", format!("0 {uid} 1\n"))?;
                write("gid_map", format!("0 {gid} 1\n"))
            }
            Mapping::Subordinate {
                uid,
                gid,
                uids,
                gids,
                newuidmap,
                newgidmap,
            } => {
                helper(newuidmap, pid, *uid, uids)?;
                helper(newgidmap, pid, *gid, gids)
            }
        }
    }
}

/// The arguments of `newuidmap`/`newgidmap`: `PID 0 OWN 1`, then each range
/// in order from inside id 1 on (`INSIDE FIRST COUNT`).
fn helper_args(pid: u32, own: u32, ranges: &[SubRange]) -> Vec<String> {
    let mut args = vec![pid.to_string(), "0".into(), own.to_string(), "1".into()];
    let mut next: u64 = 1;
    for r in ranges {
        let Ok(inside) = u32::try_from(next) else {
            break;
        };
        args.extend([inside.to_string(), r.first.to_string(), r.count.to_string()]);
        next += u64::from(r.count);
    }
    args
}

/// Runs `newuidmap`/`newgidmap` with [`helper_args`].
fn helper(tool: &Path, pid: u32, own: u32, ranges: &[SubRange]) -> Result<(), RootlessError> {
    let args = helper_args(pid, own, ranges);
    let out = Command::new(tool)
        .args(&args)
        .output()
        .map_err(|e| RootlessError::HelperFailed {
            tool: tool.to_path_buf(),
            args: args.join(" "),
            status: "not started".into(),
            stderr: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(RootlessError::HelperFailed {
            tool: tool.to_path_buf(),
            args: args.join(" "),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(())
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds we then own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Runs this program again (same arguments, same environment plus
/// [`PARENT_ENV`]) as root of a new user and mount namespace with `mapping`,
/// waits for it and returns its exit code (128+N for signal N).
pub fn reexec(mapping: &Mapping) -> Result<i32, RootlessError> {
    let spawn_err = |source| RootlessError::Spawn { source };
    let (ready_r, ready_w) = pipe().map_err(spawn_err)?;
    let (go_r, go_w) = pipe().map_err(spawn_err)?;
    let (ready_fd, go_fd) = (ready_w.as_raw_fd(), go_r.as_raw_fd());
    let (ready_r_fd, go_w_fd) = (ready_r.as_raw_fd(), go_w.as_raw_fd());
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| OsString::from("dfc"));
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg0(arg0)
        .args(args)
        .env(PARENT_ENV, std::process::id().to_string());
    // SAFETY: the closure makes only system calls on values prepared above.
    unsafe {
        cmd.pre_exec(move || {
            libc::close(ready_r_fd);
            libc::close(go_w_fd);
            let mut msg = [0u8; 5];
            if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) != 0 {
                let e = io::Error::last_os_error();
                msg[0] = 1;
                libc::write(ready_fd, msg.as_ptr().cast(), msg.len());
                return Err(e);
            }
            msg[1..].copy_from_slice(&(libc::getpid() as u32).to_le_bytes());
            if libc::write(ready_fd, msg.as_ptr().cast(), msg.len()) != msg.len() as isize {
                return Err(io::Error::last_os_error());
            }
            let mut go = [0u8; 1];
            if libc::read(go_fd, go.as_mut_ptr().cast(), 1) != 1 || go[0] != 1 {
                return Err(io::Error::from_raw_os_error(libc::EPERM));
            }
            Ok(())
        });
    }
    let mapping = mapping.clone();
    // The parent's side runs on a thread: `spawn` returns only once the
    // child has exec'd, which it does after its mapping is written.
    let writer = std::thread::spawn(move || -> Result<bool, RootlessError> {
        let mut msg = [0u8; 5];
        if File::from(ready_r).read_exact(&mut msg).is_err() || msg[0] == 1 {
            return Ok(false);
        }
        let pid = u32::from_le_bytes([msg[1], msg[2], msg[3], msg[4]]);
        let written = mapping.write(pid);
        let _ = File::from(go_w).write_all(&[u8::from(written.is_ok())]);
        written.map(|()| true)
    });
    let spawned = cmd.spawn();
    drop(cmd);
    drop(ready_w);
    drop(go_r);
    let mapped = writer.join().unwrap_or(Ok(false));
    let mut child = match spawned {
        Ok(c) => c,
        Err(source) => {
            mapped?;
            // SAFETY: plain getter.
            let uid = unsafe { libc::getuid() };
            return Err(RootlessError::Unshare { uid, error: source });
        }
    };
    // Interrupts from the terminal reach the child too; the parent stays to
    // report the child's status.
    // SAFETY: setting a signal disposition to SIG_IGN.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
    }
    let status = child.wait().map_err(spawn_err)?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

/// In the re-run program: dies with the parent that created the namespace
/// (so killing `dfc` kills the build), and drops [`PARENT_ENV`] from the
/// environment. Does nothing outside a rootless re-run.
pub fn adopt_parent() {
    let Some(parent) = std::env::var_os(PARENT_ENV) else {
        return;
    };
    std::env::remove_var(PARENT_ENV);
    let Some(parent) = parent.to_str().and_then(|p| p.parse::<i32>().ok()) else {
        return;
    };
    // SAFETY: prctl with integer arguments; getppid is a plain getter.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
        if libc::getppid() != parent {
            // The parent died before the death signal was armed.
            libc::_exit(137);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_arguments_stack_the_ranges_after_root() {
        let ranges = [
            SubRange {
                first: 100000,
                count: 65536,
            },
            SubRange {
                first: 300000,
                count: 10,
            },
        ];
        assert_eq!(
            helper_args(42, 1000, &ranges).join(" "),
            "42 0 1000 1 1 100000 65536 65537 300000 10"
        );
        assert_eq!(helper_args(7, 5, &[]).join(" "), "7 0 5 1");
    }

    #[test]
    fn mapping_follows_the_subordinate_files() {
        let dir = tempfile::tempdir().unwrap();
        let (subuid, subgid) = (dir.path().join("subuid"), dir.path().join("subgid"));
        // SAFETY: plain getters.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        assert_eq!(
            Mapping::for_current_user(&subuid, &subgid).unwrap(),
            Mapping::Single { uid, gid }
        );
        fs::write(&subuid, format!("{uid}:100000:65536\n")).unwrap();
        let half = Mapping::for_current_user(&subuid, &subgid).unwrap_err();
        assert!(half.to_string().contains("none in /etc/subgid"), "{half}");
        fs::write(&subgid, format!("{uid}:100000:65536\n")).unwrap();
        match Mapping::for_current_user(&subuid, &subgid) {
            Ok(Mapping::Subordinate { uids, gids, .. }) => {
                assert_eq!(
                    uids,
                    [SubRange {
                        first: 100000,
                        count: 65536
                    }]
                );
                assert_eq!(gids, uids);
            }
            // Without the helpers installed the error names the package.
            Err(e) => assert!(e.to_string().contains("apt-get install uidmap"), "{e}"),
            Ok(m) => panic!("{m:?}"),
        }
    }
}
