//! SSH agent forwarding for `dfc build` / `dfc run` (`--ssh`, as buildx and
//! buildctl read it): `default|ID[=SOCKET|KEYFILE[,KEYFILE…]]`. An id alone
//! forwards the agent at `$SSH_AUTH_SOCK`; a socket is relayed read-only
//! (`proxy.rs`); key files are served by an in-process agent
//! (`keyring.rs`). [`SshForward`] is the runner's [`runner::ssh::SshAgents`]
//! provider.
//!
//! Everything is checked when the flags are read (paths exist, keys parse and
//! are not encrypted), so a bad flag fails before anything is built. What it
//! does not do: buildctl's `raw=` mode, Windows named pipes, passphrases.

mod keyring;
mod proxy;
mod wire;

use std::collections::BTreeMap;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use runner::ssh::{SshAgents, DEFAULT_ID};

pub use keyring::KeyError;

/// What one `--ssh` flag forwards.
enum Source {
    /// An agent's socket, relayed read-only.
    Socket(PathBuf),
    /// Keys served in process.
    Keys(keyring::Keyring),
}

/// The agents forwarded by a build's `--ssh` flags, by id.
#[derive(Default)]
pub struct SshForward {
    agents: BTreeMap<String, Source>,
}

/// A `--ssh` flag that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SshFlagError {
    #[error("--ssh {flag:?}: SSH_AUTH_SOCK is not set, so there is no agent to forward; start one (eval \"$(ssh-agent)\" && ssh-add) or name a socket or key file: --ssh {id}=PATH")]
    NoAuthSock { flag: String, id: String },
    #[error(
        "--ssh {flag:?}: {path}: {source}; give an agent socket or a private key file that exists"
    )]
    Missing {
        flag: String,
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("--ssh {flag:?}: {path}: {source}")]
    Key {
        flag: String,
        path: String,
        #[source]
        source: KeyError,
    },
    #[error("--ssh {flag:?}: give one agent socket or key files, not both (nor two sockets)")]
    Mixed { flag: String },
    #[error("--ssh {flag:?}: the id {id:?} is given twice; give each id once")]
    Duplicate { flag: String, id: String },
}

impl SshForward {
    /// Reads `--ssh` flags; `auth_sock` is `$SSH_AUTH_SOCK`.
    pub fn from_flags(
        flags: &[String],
        auth_sock: Option<&std::ffi::OsStr>,
    ) -> Result<SshForward, SshFlagError> {
        let mut agents = BTreeMap::new();
        for flag in flags {
            let (id, paths) = match flag.split_once('=') {
                Some((id, paths)) => (id, paths.split(',').map(PathBuf::from).collect()),
                None => (flag.as_str(), Vec::new()),
            };
            let id = if id.is_empty() { DEFAULT_ID } else { id };
            if agents.contains_key(id) {
                return Err(SshFlagError::Duplicate {
                    flag: flag.clone(),
                    id: id.to_string(),
                });
            }
            let source = source(flag, id, paths, auth_sock)?;
            agents.insert(id.to_string(), source);
        }
        Ok(SshForward { agents })
    }
}

fn source(
    flag: &str,
    id: &str,
    mut paths: Vec<PathBuf>,
    auth_sock: Option<&std::ffi::OsStr>,
) -> Result<Source, SshFlagError> {
    if paths.is_empty() || (paths.len() == 1 && paths[0].as_os_str().is_empty()) {
        match auth_sock {
            Some(s) if !s.is_empty() => paths = vec![PathBuf::from(s)],
            _ => {
                return Err(SshFlagError::NoAuthSock {
                    flag: flag.to_string(),
                    id: id.to_string(),
                })
            }
        }
    }
    let mut socket = None;
    let mut keys = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(&p).map_err(|source| SshFlagError::Missing {
            flag: flag.to_string(),
            path: p.display().to_string(),
            source,
        })?;
        if meta.file_type().is_socket() {
            if socket.is_some() || !keys.is_empty() {
                return Err(SshFlagError::Mixed {
                    flag: flag.to_string(),
                });
            }
            socket = Some(p);
            continue;
        }
        if socket.is_some() {
            return Err(SshFlagError::Mixed {
                flag: flag.to_string(),
            });
        }
        let key = keyring::Key::load(&p).map_err(|source| SshFlagError::Key {
            flag: flag.to_string(),
            path: p.display().to_string(),
            source,
        })?;
        keys.push(key);
    }
    Ok(match socket {
        Some(s) => Source::Socket(s),
        None => Source::Keys(keyring::Keyring::new(keys)),
    })
}

impl SshAgents for SshForward {
    fn has(&self, id: &str) -> bool {
        self.agents.contains_key(id)
    }

    fn serve(&self, id: &str, mut conn: UnixStream) -> io::Result<()> {
        match self.agents.get(id) {
            Some(Source::Socket(path)) => proxy::relay(conn, path),
            Some(Source::Keys(ring)) => {
                while let Some(req) = wire::read_msg(&mut conn)? {
                    wire::write_msg(&mut conn, &ring.answer(&req))?;
                }
                Ok(())
            }
            None => Err(io::ErrorKind::NotFound.into()),
        }
    }
}
