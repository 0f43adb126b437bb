//! Cache mounts (`RUN --mount=type=cache`) on disk: their identity, the
//! instances of each, and who may use an instance at a time.
//!
//! Layout under `cache-mounts/`:
//! - `<sha256(id)>/id`: the mount's cacheOpt ID, for `dfc du`;
//! - `<sha256(id)>/<variant>/`: one cache per (id, seed). The variant is
//!   `plain` for a mount without an input, else the sha256 of the input
//!   snapshot id and the mount's selector (so a different base or `from=`
//!   content gives a different cache, as BuildKit keys by `id:ref`);
//!   `from` there names that seed;
//! - `<variant>/lock`: `flock`ed exclusively while an instance is chosen or
//!   created (held briefly, never while a step runs);
//! - `<variant>/<n>/data/`: instance `n`, mounted into steps;
//!   `<variant>/<n>/lock`: `flock`ed shared by `sharing=shared` users,
//!   exclusively by `private` and `locked` users, for the whole step;
//! - `<variant>/<n>/retired`: marks an instance `--no-cache` dropped while
//!   another build used it: never handed out again, deleted by the next reset
//!   (once idle) or prune; `<variant>/retired-*/`: an instance being deleted.
//!
//! Locks are taken on a file opened per use, so they work the same between
//! threads of one solve and between processes, and die with the process
//! that holds them (a SIGKILLed build leaves nothing locked). An instance is
//! created in `tmp/` (seeded there from the input) and renamed into place
//! whole, so a kill leaves either no instance or a complete one.
//!
//! Choosing an instance, as BuildKit's cache mount manager does: `shared`
//! joins an instance already in shared use, else takes the first idle one,
//! else creates one; `private` takes the first idle instance, else creates
//! another; `locked` takes the first idle instance, else waits (polling,
//! as BuildKit does) until one is free.
//!
//! What it does not do: decide which mounts a step has (the exec op does)
//! or reset caches on its own (`--no-cache` asks through [`Store::reset_cache_mounts`]).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{SnapshotId, Store};
use crate::error::StoreError;
use crate::fsutil;

/// How long a `locked` user sleeps between looks at a busy cache.
const POLL: Duration = Duration::from_millis(50);
/// The variant of a cache mount without an input.
const PLAIN: &str = "plain";
/// The marker of an instance dropped by `--no-cache` while in use.
const RETIRED: &str = "retired";

/// Who may use a cache instance at the same time (the op's `sharing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Every concurrent user writes to the same instance.
    Shared,
    /// A user has an instance alone; a busy cache gets another instance.
    Private,
    /// A user has the instance alone; others wait for it.
    Locked,
}

/// The content a new instance starts with: a directory inside an input snapshot.
#[derive(Debug, Clone)]
pub struct CacheSeed {
    /// The input snapshot.
    pub snapshot: SnapshotId,
    /// The mount's selector (path inside the snapshot), cleaned.
    pub selector: String,
    /// That path on disk (resolved inside the snapshot).
    pub tree: PathBuf,
}

/// An instance held for one step; dropping it lets others have it.
#[derive(Debug)]
pub struct CacheLease {
    data: PathBuf,
    _lock: fs::File,
}

impl CacheLease {
    /// The directory to mount.
    pub fn path(&self) -> &Path {
        &self.data
    }
}

/// Why a cache mount could not be had.
#[derive(Debug, thiserror::Error)]
pub enum CacheMountError {
    /// A file operation in the cache store failed.
    #[error("cannot {what} {}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The seed (`from=`/`source=`, or the mode/uid/gid directory) is not a directory.
    #[error("its source {selector} is not a directory in its input; point source= at a directory")]
    SeedNotDirectory {
        /// The selector.
        selector: String,
    },
    /// The store's staging area failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The solve stopped while this step waited for a `locked` cache.
    #[error("cancelled while waiting for the locked cache")]
    Cancelled,
}

/// One cache mount in `dfc du`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheMountUsage {
    /// Its cacheOpt ID.
    pub id: String,
    /// `None` for a mount without an input, else `SNAPSHOT:SELECTOR` of its seed.
    pub from: Option<String>,
    /// How many instances exist.
    pub instances: usize,
    /// Bytes allocated by them.
    pub bytes: u64,
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> CacheMountError {
    let path = path.to_path_buf();
    move |source| CacheMountError::Io { what, path, source }
}

fn store_err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { what, path, source }
}

/// Opens `path` and `flock`s it with `op`; `Ok(None)` when `LOCK_NB` finds it held.
fn flock(path: &Path, op: libc::c_int, create: bool) -> io::Result<Option<fs::File>> {
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(path)?;
    loop {
        // SAFETY: flock on a descriptor we own; no memory is passed.
        if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
            return Ok(Some(f));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(None),
            _ => return Err(e),
        }
    }
}

/// The instance numbers present in a variant directory, ascending.
fn instances(dir: &Path) -> io::Result<Vec<u64>> {
    let mut out: Vec<u64> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Writes `text` to `path` unless it exists (staged, then renamed).
fn write_once(store: &Store, path: &Path, text: &str) -> Result<(), CacheMountError> {
    if path.exists() {
        return Ok(());
    }
    let mut tmp = tempfile::NamedTempFile::new_in(store.root.join("tmp"))
        .map_err(io_err("create cache mount record", path))?;
    tmp.write_all(text.as_bytes())
        .map_err(io_err("write cache mount record", path))?;
    tmp.persist(path)
        .map_err(|e| io_err("publish cache mount record", path)(e.error))?;
    Ok(())
}

impl Store {
    fn cache_mounts_dir(&self) -> PathBuf {
        self.root.join("cache-mounts")
    }

    fn cache_id_dir(&self, id: &str) -> PathBuf {
        self.cache_mounts_dir()
            .join(llb_schema::digest(id.as_bytes()).hex())
    }

    /// An instance of the cache mount `id` (seeded from `seed` when it is new),
    /// held as `sharing` says until the lease is dropped. A `locked` user waits
    /// until the cache is free or `cancel` turns true.
    pub fn acquire_cache_mount(
        &self,
        id: &str,
        seed: Option<&CacheSeed>,
        sharing: Sharing,
        cancel: &AtomicBool,
    ) -> Result<CacheLease, CacheMountError> {
        let id_dir = self.cache_id_dir(id);
        let variant = match seed {
            None => PLAIN.to_string(),
            Some(s) => llb_schema::digest(format!("{}\0{}", s.snapshot, s.selector).as_bytes())
                .hex()
                .to_string(),
        };
        let dir = id_dir.join(variant);
        fs::create_dir_all(&dir).map_err(io_err("create cache mount directory", &dir))?;
        write_once(self, &id_dir.join("id"), id)?;
        if let Some(s) = seed {
            if !s.tree.is_dir() {
                return Err(CacheMountError::SeedNotDirectory {
                    selector: s.selector.clone(),
                });
            }
            write_once(
                self,
                &dir.join("from"),
                &format!("{}:{}", s.snapshot, s.selector),
            )?;
        }
        let lock_path = dir.join("lock");
        loop {
            let choosing = flock(&lock_path, libc::LOCK_EX, true)
                .map_err(io_err("lock cache mount", &lock_path))?;
            let all = instances(&dir).map_err(io_err("list cache mount", &dir))?;
            let have: Vec<u64> = all
                .iter()
                .copied()
                .filter(|n| !dir.join(n.to_string()).join(RETIRED).exists())
                .collect();
            let try_lock = |n: u64, op: libc::c_int| {
                let p = dir.join(n.to_string()).join("lock");
                match flock(&p, op | libc::LOCK_NB, false) {
                    Ok(f) => Ok(f.map(|f| (n, f))),
                    // Not a complete instance (never the case for renamed ones).
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(io_err("lock cache mount instance", &p)(e)),
                }
            };
            let mut got = None;
            match sharing {
                Sharing::Shared => {
                    let mut idle = Vec::new();
                    for &n in &have {
                        if try_lock(n, libc::LOCK_EX)?.is_some() {
                            idle.push(n); // released again when the file drops
                        } else if let Some(held) = try_lock(n, libc::LOCK_SH)? {
                            got = Some(held); // in shared use: join it
                            break;
                        }
                    }
                    if got.is_none() {
                        for n in idle {
                            if let Some(held) = try_lock(n, libc::LOCK_SH)? {
                                got = Some(held);
                                break;
                            }
                        }
                    }
                }
                Sharing::Private | Sharing::Locked => {
                    for &n in &have {
                        if let Some(held) = try_lock(n, libc::LOCK_EX)? {
                            got = Some(held);
                            break;
                        }
                    }
                }
            }
            if let Some((n, lock)) = got {
                return Ok(CacheLease {
                    data: dir.join(n.to_string()).join("data"),
                    _lock: lock,
                });
            }
            if sharing != Sharing::Locked || have.is_empty() {
                let n = all.last().map_or(0, |n| n + 1);
                let op = if sharing == Sharing::Shared {
                    libc::LOCK_SH
                } else {
                    libc::LOCK_EX
                };
                let lease = self.create_instance(&dir, n, seed, op)?;
                drop(choosing);
                return Ok(lease);
            }
            drop(choosing);
            if cancel.load(Ordering::Relaxed) {
                return Err(CacheMountError::Cancelled);
            }
            std::thread::sleep(POLL);
        }
    }

    /// Makes instance `n` of the cache in `dir` in staging (seeded, or an empty
    /// directory of mode 0755), locks it with `op` and renames it into place.
    fn create_instance(
        &self,
        dir: &Path,
        n: u64,
        seed: Option<&CacheSeed>,
        op: libc::c_int,
    ) -> Result<CacheLease, CacheMountError> {
        let stage = self.staging()?;
        let inst = stage.path().join("instance");
        let data = inst.join("data");
        fs::create_dir(&inst).map_err(io_err("create cache mount instance", &inst))?;
        match seed {
            Some(s) => fsutil::copy_tree(&s.tree, &data)
                .map_err(io_err("seed cache mount from", &s.tree))?,
            None => fs::create_dir(&data)
                .and_then(|_| fs::set_permissions(&data, fs::Permissions::from_mode(0o755)))
                .map_err(io_err("create cache mount instance", &data))?,
        }
        let lock = flock(&inst.join("lock"), op | libc::LOCK_NB, true)
            .map_err(io_err("lock cache mount instance", &inst))?
            .ok_or_else(|| {
                io_err("lock new cache mount instance", &inst)(io::Error::from(
                    io::ErrorKind::WouldBlock,
                ))
            })?;
        let dest = dir.join(n.to_string());
        fs::rename(&inst, &dest).map_err(io_err("publish cache mount instance", &dest))?;
        Ok(CacheLease {
            data: dest.join("data"),
            _lock: lock,
        })
    }

    /// Forgets the caches of mount `id`: those seeded from an input when
    /// `seeded`, else the one without an input (BuildKit's `--no-cache` rule).
    /// An idle instance is renamed out of reach (`retired-*` in its variant
    /// directory) and deleted; one another build still uses is marked
    /// `retired` (never handed out again) and deleted by a later reset or
    /// prune. Returns how many instances were dropped.
    pub fn reset_cache_mounts(&self, id: &str, seeded: bool) -> Result<usize, StoreError> {
        let id_dir = self.cache_id_dir(id);
        let variants = match fs::read_dir(&id_dir) {
            Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(store_err("list cache mount", &id_dir)(e)),
        };
        let mut dropped = 0;
        for dir in variants {
            let plain = dir.file_name().is_some_and(|n| n == PLAIN);
            if !dir.is_dir() || plain == seeded {
                continue;
            }
            let lock_path = dir.join("lock");
            let _choosing = flock(&lock_path, libc::LOCK_EX, true)
                .map_err(store_err("lock cache mount", &lock_path))?;
            for n in instances(&dir).map_err(store_err("list cache mount", &dir))? {
                let inst = dir.join(n.to_string());
                let lock = inst.join("lock");
                let idle = flock(&lock, libc::LOCK_EX | libc::LOCK_NB, true)
                    .map_err(store_err("lock cache mount instance", &lock))?;
                if idle.is_none() {
                    // In use: its holder keeps it; nobody gets it again. It keeps its
                    // number, so no new instance takes its path while it is mounted.
                    let mark = inst.join(RETIRED);
                    if !mark.exists() {
                        fs::write(&mark, b"").map_err(store_err("retire cache mount", &mark))?;
                        dropped += 1;
                    }
                    continue;
                }
                let slot = tempfile::Builder::new()
                    .prefix("retired-")
                    .tempdir_in(&dir)
                    .map_err(store_err("retire cache mount", &inst))?
                    .keep();
                // Replaces the empty directory just made; then deleted below.
                fs::rename(&inst, &slot).map_err(store_err("retire cache mount", &inst))?;
                if !slot.join(RETIRED).exists() {
                    dropped += 1;
                }
            }
            let retired = fs::read_dir(&dir)
                .map_err(store_err("list cache mount", &dir))?
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with("retired-"));
            for e in retired {
                let p = e.path();
                let idle = match flock(&p.join("lock"), libc::LOCK_EX | libc::LOCK_NB, false) {
                    Ok(held) => held.is_some(),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => true,
                    Err(e) => return Err(store_err("lock cache mount instance", &p)(e)),
                };
                if idle {
                    fsutil::remove_all(&p).map_err(store_err("delete cache mount", &p))?;
                }
            }
        }
        Ok(dropped)
    }

    /// Every cache mount with its instances and size, in id order.
    pub fn cache_mount_usage(&self) -> Result<Vec<CacheMountUsage>, StoreError> {
        let top = self.cache_mounts_dir();
        let rd = match fs::read_dir(&top) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(store_err("list cache mounts", &top)(e)),
        };
        let mut out = Vec::new();
        for e in rd.filter_map(|e| e.ok()) {
            let id_dir = e.path();
            let Ok(id) = fs::read_to_string(id_dir.join("id")) else {
                continue;
            };
            let mut variants: Vec<PathBuf> = fs::read_dir(&id_dir)
                .map_err(store_err("list cache mount", &id_dir))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            variants.sort();
            for dir in variants {
                let from = fs::read_to_string(dir.join("from")).ok();
                let mut bytes = 0;
                let have = instances(&dir).map_err(store_err("list cache mount", &dir))?;
                for n in &have {
                    let p = dir.join(n.to_string());
                    bytes +=
                        super::gc::tree_bytes(&p).map_err(store_err("measure cache mount", &p))?;
                }
                out.push(CacheMountUsage {
                    id: id.clone(),
                    from,
                    instances: have.len(),
                    bytes,
                });
            }
        }
        out.sort_by(|a, b| (&a.id, &a.from).cmp(&(&b.id, &b.from)));
        Ok(out)
    }

    /// Removes every cache mount (under [`Store::open_exclusive`], so none is
    /// in use): `cache-mounts/` is renamed into `tmp/` in one step, then
    /// deleted. Returns (instances removed, bytes freed).
    pub(super) fn prune_cache_mounts(&self) -> Result<(usize, u64), StoreError> {
        let usage = self.cache_mount_usage()?;
        let top = self.cache_mounts_dir();
        if !top.exists() {
            return Ok((0, 0));
        }
        let doomed = self.root.join("tmp").join("prune-cache-mounts");
        fsutil::remove_all(&doomed).map_err(store_err("delete cache mounts", &doomed))?;
        fs::rename(&top, &doomed).map_err(store_err("retire cache mounts", &top))?;
        fsutil::remove_all(&doomed).map_err(store_err("delete cache mounts", &doomed))?;
        Ok((
            usage.iter().map(|u| u.instances).sum(),
            usage.iter().map(|u| u.bytes).sum(),
        ))
    }
}
