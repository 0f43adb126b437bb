//! Where one opened store stages its work, and how a killed build's staging is found:
//! each build's staging areas live in a directory of its own, `tmp/build-XXXX/`,
//! `flock`ed exclusively for as long as the store is open. The kernel drops the lock
//! when the process dies, however it dies, so a later open finds the directory of a
//! killed build unlocked and removes it; a live build's directory stays locked and is
//! never touched. (A lock, not a pid: pids are reused and differ across pid
//! namespaces that share a store.)
//!
//! The directory is created under a `new-` name and renamed to `build-` only once
//! locked, so no other build can see it unlocked while alive.
//!
//! What it does not do: remove anything of a live build, or anything but `build-`
//! directories (`prune`, which holds the store alone, clears all of `tmp/`).

use std::fs;
use std::io;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use crate::fsutil;

/// The staging directory of one opened store, locked while it lives; removed on drop.
#[derive(Debug)]
pub(super) struct Session {
    dir: PathBuf,
    _lock: fs::File,
}

fn flock(f: &fs::File, op: libc::c_int) -> io::Result<()> {
    // SAFETY: flock on a descriptor we own; no memory is passed.
    if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl Session {
    /// Creates and locks a new session directory in `tmp`.
    pub(super) fn start(tmp: &Path) -> io::Result<Session> {
        let fresh = tempfile::Builder::new()
            .prefix("new-")
            .tempdir_in(tmp)?
            .keep();
        let lock = fs::File::open(&fresh)?;
        flock(&lock, libc::LOCK_EX)?;
        let name = fresh
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("new-"))
            .unwrap_or("x")
            .to_string();
        let dir = tmp.join(format!("build-{name}"));
        fs::rename(&fresh, &dir)?;
        Ok(Session { dir, _lock: lock })
    }

    /// The directory to stage in.
    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = fsutil::remove_all(&self.dir);
    }
}

/// Removes the session directories in `tmp` whose builds are gone (their lock is
/// free), with any mount an older dfc left in them; returns how many.
pub(super) fn remove_dead(tmp: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for e in fs::read_dir(tmp)? {
        let e = e?;
        if !e.file_name().to_string_lossy().starts_with("build-") {
            continue;
        }
        let path = e.path();
        // Another build may be removing it at the same time: then it is gone.
        let Ok(f) = fs::File::open(&path) else {
            continue;
        };
        if flock(&f, libc::LOCK_EX | libc::LOCK_NB).is_err() {
            continue;
        }
        super::overlay::detach_mounts_under(&path)?;
        match fsutil::remove_all(&path) {
            Ok(()) => removed += 1,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_sessions_go_and_live_ones_stay() {
        let t = tempfile::tempdir().unwrap();
        let live = Session::start(t.path()).unwrap();
        fs::write(live.dir().join("work"), "x").unwrap();
        // A session whose lock holder is gone (as after a SIGKILL): never locked here.
        let dead = t.path().join("build-dead");
        fs::create_dir_all(dead.join("stage-1/rootfs")).unwrap();
        assert_eq!(remove_dead(t.path()).unwrap(), 1);
        assert!(!dead.exists());
        assert!(live.dir().join("work").exists());
        let dir = live.dir().to_path_buf();
        drop(live);
        assert!(!dir.exists());
    }
}
