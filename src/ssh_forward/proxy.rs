//! `--ssh ID=SOCKET`: each connection from a build is relayed to the agent at
//! SOCKET, message by message and read-only, as BuildKit's `readOnlyAgent`
//! does: listing keys, signing and unlocking go to the agent; adding,
//! removing, locking, extensions and anything else are answered FAILURE
//! without reaching it.

use std::io;
use std::os::unix::net::UnixStream;
use std::path::Path;

use super::wire::{self, read_msg, write_msg};

/// Relays `conn` to a fresh connection to the agent at `agent` until `conn`
/// closes.
pub fn relay(mut conn: UnixStream, agent: &Path) -> io::Result<()> {
    let mut upstream = UnixStream::connect(agent)?;
    while let Some(req) = read_msg(&mut conn)? {
        match req[0] {
            wire::REQUEST_IDENTITIES | wire::SIGN_REQUEST | wire::UNLOCK => {
                write_msg(&mut upstream, &req)?;
                let resp = read_msg(&mut upstream)?.ok_or(io::ErrorKind::UnexpectedEof)?;
                write_msg(&mut conn, &resp)?;
            }
            _ => write_msg(&mut conn, &[wire::FAILURE])?,
        }
    }
    Ok(())
}
