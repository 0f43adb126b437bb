//! SSH agent forwarding for exec ops (`RUN --mount=type=ssh`).
//!
//! The caller (the CLI's `--ssh` flags) hands the solver an [`SshAgents`]
//! provider: which ids are forwarded and how to serve one connection for an
//! id. For each ssh mount of an exec, [`AgentSocket::listen`] opens a fresh
//! unix socket in the step's staging area, owned by the mount's uid/gid with
//! its mode, and hands every connection made to it to the provider on its own
//! thread. The exec op bind-mounts that socket at the mount's target; the
//! socket stops listening and is removed when the [`AgentSocket`] is dropped,
//! whatever the exec's outcome.
//!
//! What it does not do: speak the agent protocol (the provider does), or
//! decide whether a missing id is an error (the exec op does, from the
//! mount's `optional`).

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The id BuildKit gives an ssh mount without one.
pub const DEFAULT_ID: &str = "default";

/// Where forwarded agents come from: sockets, keys served in process, ...
pub trait SshAgents: Send + Sync {
    /// Whether an agent is forwarded under `id` (never empty: the default id
    /// is [`DEFAULT_ID`]).
    fn has(&self, id: &str) -> bool;
    /// Serves one connection from a container to the agent forwarded as `id`
    /// until either side closes it.
    fn serve(&self, id: &str, conn: UnixStream) -> io::Result<()>;
}

/// Owner and mode of a forwarded socket (the mount's `uid`, `gid`, `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOwner {
    /// Owning user id.
    pub uid: u32,
    /// Owning group id.
    pub gid: u32,
    /// Permission bits (only `0o777` is kept).
    pub mode: u32,
}

/// A listening socket forwarding one agent for the duration of one exec.
pub struct AgentSocket {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<UnixStream>>>,
    thread: Option<JoinHandle<()>>,
}

impl AgentSocket {
    /// Listens on `path` (which must not exist) for agent `id`, owned and
    /// permissioned as `owner`.
    pub fn listen(
        path: &Path,
        id: &str,
        owner: SocketOwner,
        agents: Arc<dyn SshAgents>,
    ) -> io::Result<AgentSocket> {
        let listener = bind(path)?;
        let ready = (|| {
            std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(owner.mode & 0o777))?;
            listener.set_nonblocking(true)
        })();
        if let Err(e) = ready {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, conns, id) = (stop.clone(), conns.clone(), id.to_string());
            std::thread::Builder::new()
                .name(format!("ssh-agent {id}"))
                .spawn(move || accept_loop(listener, &id, &stop, &conns, agents))?
        };
        Ok(AgentSocket {
            path: path.to_path_buf(),
            stop,
            conns,
            thread: Some(thread),
        })
    }

    /// The socket's path on the host.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for AgentSocket {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // Connections still open (a process the container left behind, which
        // cannot happen once its PID namespace is gone) are cut.
        if let Ok(conns) = self.conns.lock() {
            for c in conns.iter() {
                let _ = c.shutdown(std::net::Shutdown::Both);
            }
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The socket for one `type=ssh` mount at `path`, or `None` when the mount
/// is optional and its id is not forwarded (BuildKit then leaves the mount
/// out). A required id that is not forwarded is an error naming it. The
/// mount's `output` is ignored: BuildKit's client leaves it 0 on ssh mounts,
/// which are never outputs.
pub fn mount_socket(
    agents: Option<&Arc<dyn SshAgents>>,
    m: &llb_schema::pb::Mount,
    path: &Path,
) -> Result<Option<AgentSocket>, crate::OpError> {
    let opt = m.ssh_opt.clone().unwrap_or_default();
    let id = if opt.id.is_empty() {
        DEFAULT_ID
    } else {
        opt.id.as_str()
    };
    let agents = match agents {
        Some(a) if a.has(id) => a,
        _ if opt.optional => return Ok(None),
        _ => return Err(crate::OpError::SshNotForwarded { id: id.to_string() }),
    };
    // An op without SSHOpt gets BuildKit's defaults: root, 0600.
    let owner = SocketOwner {
        uid: opt.uid,
        gid: opt.gid,
        mode: if m.ssh_opt.is_some() { opt.mode } else { 0o600 },
    };
    // Rootless, the container shares this process's user namespace: its ids
    // are ours, but only the mapped ones exist.
    if !crate::userns::IdMap::current().maps(owner.uid, owner.gid) {
        return Err(crate::OpError::Exec(crate::ExecError::Setup {
            what: format!("ssh mount {}", m.dest),
            source: crate::userns::unmapped_owner(
                &format!("the SSH agent socket for {}", m.dest),
                owner.uid,
                owner.gid,
            ),
        }));
    }
    AgentSocket::listen(path, id, owner, agents.clone())
        .map(Some)
        .map_err(|source| {
            crate::OpError::Exec(crate::ExecError::Setup {
                what: format!("listen on the SSH agent socket for {}", m.dest),
                source,
            })
        })
}

/// A unix socket path holds at most 107 bytes; a longer one (a deep `--root`)
/// is reached through the directory's descriptor under /proc/self/fd.
fn bind(path: &Path) -> io::Result<UnixListener> {
    use std::os::unix::ffi::OsStrExt;
    if path.as_os_str().as_bytes().len() < 100 {
        return UnixListener::bind(path);
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return UnixListener::bind(path);
    };
    let dir = std::fs::File::open(dir)?;
    let short = Path::new("/proc/self/fd")
        .join(dir.as_raw_fd().to_string())
        .join(name);
    UnixListener::bind(short)
}

fn accept_loop(
    listener: UnixListener,
    id: &str,
    stop: &AtomicBool,
    conns: &Mutex<Vec<UnixStream>>,
    agents: Arc<dyn SshAgents>,
) {
    while !stop.load(Ordering::SeqCst) {
        let mut pfd = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the listener, which outlives the call.
        if unsafe { libc::poll(&mut pfd, 1, 50) } <= 0 {
            continue;
        }
        let Ok((conn, _)) = listener.accept() else {
            continue;
        };
        if conn.set_nonblocking(false).is_err() {
            continue;
        }
        if let (Ok(copy), Ok(mut list)) = (conn.try_clone(), conns.lock()) {
            list.push(copy);
        }
        let (agents, id) = (agents.clone(), id.to_string());
        // A connection's failure (the agent went away, a malformed message)
        // ends that connection only, as in BuildKit.
        let _ = std::thread::Builder::new()
            .name(format!("ssh-conn {id}"))
            .spawn(move || {
                let copy = conn.try_clone();
                let _ = agents.serve(&id, conn);
                // The list above holds a copy: end the connection for the peer.
                if let Ok(c) = copy {
                    let _ = c.shutdown(std::net::Shutdown::Both);
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// Answers each connection with the id and the bytes it received, reversed.
    struct Echo;
    impl SshAgents for Echo {
        fn has(&self, id: &str) -> bool {
            id == "e"
        }
        fn serve(&self, id: &str, mut conn: UnixStream) -> io::Result<()> {
            let mut b = [0u8; 3];
            conn.read_exact(&mut b)?;
            b.reverse();
            conn.write_all(id.as_bytes())?;
            conn.write_all(&b)
        }
    }

    fn roundtrip(path: &Path) -> Vec<u8> {
        let mut c = UnixStream::connect(path).unwrap();
        c.write_all(b"abc").unwrap();
        let mut got = Vec::new();
        c.read_to_end(&mut got).unwrap();
        got
    }

    #[test]
    fn serves_connections_with_owner_and_mode_then_removes_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let me = SocketOwner {
            uid: unsafe { libc::getuid() },
            gid: unsafe { libc::getgid() },
            mode: 0o640,
        };
        let sock = AgentSocket::listen(&path, "e", me, Arc::new(Echo)).unwrap();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
        assert_eq!((meta.uid(), meta.gid()), (me.uid, me.gid));
        assert_eq!(roundtrip(&path), b"ecba");
        assert_eq!(
            roundtrip(&path),
            b"ecba",
            "a second connection is served too"
        );
        drop(sock);
        assert!(!path.exists(), "the socket is removed when dropped");
    }

    #[test]
    fn a_path_longer_than_a_socket_address_still_listens() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("d".repeat(60)).join("e".repeat(60));
        std::fs::create_dir_all(&deep).unwrap();
        let path = deep.join("ssh0");
        let me = SocketOwner {
            uid: unsafe { libc::getuid() },
            gid: unsafe { libc::getgid() },
            mode: 0o600,
        };
        let sock = AgentSocket::listen(&path, "e", me, Arc::new(Echo)).unwrap();
        assert!(path.exists());
        // Clients reach it the same way.
        let dirf = std::fs::File::open(&deep).unwrap();
        let short = format!("/proc/self/fd/{}/ssh0", dirf.as_raw_fd());
        assert_eq!(roundtrip(Path::new(&short)), b"ecba");
        drop(sock);
        assert!(!path.exists());
    }
}
