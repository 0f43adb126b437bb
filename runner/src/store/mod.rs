//! The on-disk store under `--root`: immutable snapshots named by their
//! content digest, cache records mapping a cache key to a snapshot, and a
//! lock that lets concurrent builds share one root while `prune` waits.
//!
//! Layout (every name is a lowercase sha256 hex):
//! - `snapshots/<id>/`: a directory tree, never modified once in place;
//! - `cache/<key>`: one line, the snapshot id the key produced;
//! - `tmp/`: staging areas, renamed into place when complete; each open store
//!   stages in its own `tmp/build-XXXX/`, locked while it is open, and opening
//!   removes those of builds that died (`session.rs`);
//! - `lock`: `flock`ed shared by builds, exclusive by prune;
//! - `cache-mounts/<sha256(id)>/<variant>/<n>/data/`: instances of `RUN
//!   --mount=type=cache`, never snapshots, never exported (`cachemount.rs`
//!   has their layout and locking).
//!
//! Every write is staged in `tmp/` and published with one `rename`, so a
//! kill at any point leaves either the old state or the new one plus
//! garbage in `tmp/` that the next open (or prune) removes. Two builds that produce
//! the same snapshot race harmlessly: the second rename finds the first's
//! result and drops its own copy.
//!
//! What it does not do: decide what to cache (the solver does) or hash
//! anything but trees (`tree.rs`).

pub mod cachemount;
mod gc;
pub mod overlay;
mod session;
pub mod tree;

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use llb_schema::Digest;

pub use cachemount::{CacheLease, CacheMountError, CacheMountUsage, CacheSeed, Sharing};
pub use gc::{PruneReport, SnapshotUsage};

use crate::error::StoreError;
use crate::fsutil;

/// The content digest of a snapshot tree (see [`tree::tree_digest`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotId(pub Digest);

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SnapshotId({})", self.0)
    }
}

/// How a [`Store`] holds the root's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LockMode {
    Shared,
    Exclusive,
}

/// An opened store. Holds the root's lock until dropped.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// This build's staging directory (none for prune, which stages nothing).
    session: Option<session::Session>,
    _lock: fs::File,
}

impl Store {
    /// Opens (creating if needed) the store at `root` for a build: the lock
    /// is shared with other builds and excludes prune.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        Self::open_mode(root, LockMode::Shared)
    }

    /// Opens the store alone (for prune): waits for running builds to finish.
    pub fn open_exclusive(root: &Path) -> Result<Store, StoreError> {
        Self::open_mode(root, LockMode::Exclusive)
    }

    fn open_mode(root: &Path, mode: LockMode) -> Result<Store, StoreError> {
        let io_err = |what: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { what, path, source }
        };
        for sub in ["snapshots", "cache", "tmp"] {
            let p = root.join(sub);
            fs::create_dir_all(&p).map_err(io_err("create store directory", &p))?;
        }
        let lock_path = root.join("lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err("open lock file", &lock_path))?;
        let op = match mode {
            LockMode::Shared => libc::LOCK_SH,
            LockMode::Exclusive => libc::LOCK_EX,
        };
        // SAFETY: flock on a file descriptor we own; no memory is passed.
        if unsafe { libc::flock(lock.as_raw_fd(), op) } != 0 {
            return Err(io_err("lock", &lock_path)(io::Error::last_os_error()));
        }
        let session = match mode {
            LockMode::Exclusive => None,
            LockMode::Shared => {
                let tmp = root.join("tmp");
                session::remove_dead(&tmp)
                    .map_err(io_err("remove the staging of killed builds in", &tmp))?;
                Some(session::Session::start(&tmp).map_err(io_err("create staging in", &tmp))?)
            }
        };
        Ok(Store {
            root: root.to_path_buf(),
            session,
            _lock: lock,
        })
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the tree of snapshot `id` lives. Read it; never write to it.
    pub fn snapshot_path(&self, id: &SnapshotId) -> PathBuf {
        self.root.join("snapshots").join(id.0.hex())
    }

    /// Whether the snapshot is present.
    pub fn has_snapshot(&self, id: &SnapshotId) -> bool {
        self.snapshot_path(id).is_dir()
    }

    /// A fresh private staging directory inside the store (same filesystem
    /// as the snapshots, so committing it is one rename).
    pub fn staging(&self) -> Result<tempfile::TempDir, StoreError> {
        let tmp = match &self.session {
            Some(s) => s.dir().to_path_buf(),
            None => self.root.join("tmp"),
        };
        tempfile::Builder::new()
            .prefix("stage-")
            .tempdir_in(&tmp)
            .map_err(|source| StoreError::Io {
                what: "create staging directory",
                path: tmp,
                source,
            })
    }

    /// Publishes the tree at `staged` (a directory created by
    /// [`staging`](Self::staging) or inside one) as a snapshot and returns
    /// its id. The staged tree is moved, or removed if an equal snapshot is
    /// already there.
    pub fn commit(&self, staged: &Path) -> Result<SnapshotId, StoreError> {
        let id = SnapshotId(tree::tree_digest(staged).map_err(|source| StoreError::Io {
            what: "hash staged tree",
            path: staged.to_path_buf(),
            source,
        })?);
        let dest = self.snapshot_path(&id);
        if dest.is_dir() {
            fsutil::remove_all(staged).map_err(|source| StoreError::Io {
                what: "remove duplicate staged tree",
                path: staged.to_path_buf(),
                source,
            })?;
            return Ok(id);
        }
        match fs::rename(staged, &dest) {
            Ok(()) => Ok(id),
            // Another build published the same content first.
            Err(_) if dest.is_dir() => {
                fsutil::remove_all(staged).map_err(|source| StoreError::Io {
                    what: "remove duplicate staged tree",
                    path: staged.to_path_buf(),
                    source,
                })?;
                Ok(id)
            }
            Err(source) => Err(StoreError::Io {
                what: "publish snapshot",
                path: dest,
                source,
            }),
        }
    }

    /// Where pulled and exported blobs live (`blobs/sha256/<hex>`).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(digest.hex())
    }

    /// Records which image (manifest and config, JSON) a snapshot is, so
    /// exporters can reuse its layers and config.
    pub fn set_image_meta(&self, id: &SnapshotId, meta: &[u8]) -> Result<(), StoreError> {
        let dir = self.root.join("images");
        let err = |what, path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { what, path, source }
        };
        fs::create_dir_all(&dir).map_err(err("create", &dir))?;
        let mut tmp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))
            .map_err(err("create image record", &dir))?;
        tmp.write_all(meta)
            .map_err(err("write image record", &dir))?;
        let dest = dir.join(format!("{}.json", id.0.hex()));
        tmp.persist(&dest)
            .map_err(|e| err("publish image record", &dest)(e.error))?;
        Ok(())
    }

    /// The image record of a snapshot, if it is an image's root filesystem.
    pub fn image_meta(&self, id: &SnapshotId) -> Option<Vec<u8>> {
        fs::read(
            self.root
                .join("images")
                .join(format!("{}.json", id.0.hex())),
        )
        .ok()
    }

    /// The empty snapshot (BuildKit's scratch): an empty directory, mode 0755.
    pub fn scratch(&self) -> Result<SnapshotId, StoreError> {
        let stage = self.staging()?;
        let root = stage.path().join("scratch");
        fs::create_dir(&root)
            .and_then(|_| fs::set_permissions(&root, fs::Permissions::from_mode(0o755)))
            .map_err(|source| StoreError::Io {
                what: "create scratch snapshot",
                path: root.clone(),
                source,
            })?;
        self.commit(&root)
    }

    /// The snapshot recorded for a cache key, if it is still present. A hit
    /// refreshes the record's time, which prune uses to keep recent entries.
    pub fn lookup(&self, key: &Digest) -> Option<SnapshotId> {
        let path = self.root.join("cache").join(key.hex());
        let text = fs::read_to_string(&path).ok()?;
        let id = SnapshotId(text.trim().parse().ok()?);
        if !self.has_snapshot(&id) {
            return None;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let _ = fsutil::set_mtime(&path, now, 0);
        Some(id)
    }

    /// Records that `key` produced `id` (atomically replacing any record).
    pub fn record(&self, key: &Digest, id: &SnapshotId) -> Result<(), StoreError> {
        let dir = self.root.join("cache");
        let err = |what, path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { what, path, source }
        };
        let mut tmp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))
            .map_err(err("create cache record", &dir))?;
        writeln!(tmp, "{id}").map_err(err("write cache record", tmp.path()))?;
        let dest = dir.join(key.hex());
        tmp.persist(&dest)
            .map_err(|e| err("publish cache record", &dest)(e.error))?;
        Ok(())
    }
}

/// The default `--root`: `/var/lib/dfc` for root, else
/// `$XDG_DATA_HOME/dfc` or `~/.local/share/dfc`.
pub fn default_root() -> PathBuf {
    // Root of a rootless build's user namespace is still the user: its store
    // stays under the user's home.
    if crate::ops::running_as_root() && !crate::userns::in_user_namespace() {
        return PathBuf::from("/var/lib/dfc");
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("dfc");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".local/share/dfc")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn commit_is_content_addressed_and_idempotent() {
        let t = tempfile::tempdir().unwrap();
        let store = Store::open(t.path()).unwrap();
        let mut ids = Vec::new();
        for _ in 0..2 {
            let s = store.staging().unwrap();
            let root = s.path().join("r");
            fs::create_dir(&root).unwrap();
            fs::write(root.join("f"), b"hello").unwrap();
            ids.push(store.commit(&root).unwrap());
        }
        assert_eq!(ids[0], ids[1]);
        assert_eq!(
            fs::read(store.snapshot_path(&ids[0]).join("f")).unwrap(),
            b"hello"
        );
        let key = llb_schema::digest(b"k");
        assert_eq!(store.lookup(&key), None);
        store.record(&key, &ids[0]).unwrap();
        assert_eq!(store.lookup(&key), Some(ids[0]));
        // A second snapshot sharing the file (as overlay execs make them): the file's
        // blocks are counted once over both.
        let s = store.staging().unwrap();
        let root = s.path().join("r");
        overlay::link_tree(&store.snapshot_path(&ids[0]), &root).unwrap();
        fs::write(root.join("g"), b"").unwrap();
        let other = store.commit(&root).unwrap();
        let usage = store.usage().unwrap();
        let bytes = |id| usage.iter().find(|u| u.id == id).unwrap().bytes;
        let file = fs::symlink_metadata(store.snapshot_path(&other).join("f"))
            .unwrap()
            .blocks()
            * 512;
        let dirs = |id: &SnapshotId| {
            fs::symlink_metadata(store.snapshot_path(id))
                .unwrap()
                .blocks()
                * 512
        };
        assert_eq!(
            bytes(ids[0]) + bytes(other),
            file + dirs(&ids[0]) + dirs(&other)
        );
        assert!(fs::read_dir(t.path().join("tmp")).unwrap().all(|e| {
            // Only this open store's own staging directory may remain.
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("build-")
        }));
    }
}
