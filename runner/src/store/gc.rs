//! Disk usage and pruning of a [`Store`](super::Store) (`dfc du`, `dfc prune`).
//!
//! A snapshot's "last used" time is the newest time of the cache records
//! naming it (refreshed on every cache hit), or its directory's time if none
//! does. Pruning removes least recently used snapshots first and moves each
//! into `tmp/` before deleting it, so a kill mid-way never leaves a partial
//! snapshot under `snapshots/`.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::{SnapshotId, Store};
use crate::error::StoreError;
use crate::fsutil;

/// One snapshot's footprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotUsage {
    /// The snapshot.
    pub id: SnapshotId,
    /// Bytes allocated on disk by its tree.
    pub bytes: u64,
    /// Last use, seconds since the epoch.
    pub last_used: i64,
    /// How many cache records name it.
    pub records: usize,
}

/// What a prune removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Snapshots deleted.
    pub snapshots: usize,
    /// Cache records deleted.
    pub records: usize,
    /// Bytes freed (snapshots only).
    pub bytes: u64,
    /// Cache mount instances deleted (all of them, unless a size is kept).
    pub cache_mounts: usize,
    /// Bytes freed by deleting cache mounts.
    pub cache_mount_bytes: u64,
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { what, path, source }
}

/// Disk use of a tree; a file with several names (hard links shared with other
/// snapshots made from overlays, or within the tree) counts its share per name, so
/// the sum over snapshots is the disk really used.
pub(super) fn tree_bytes(path: &Path) -> io::Result<u64> {
    let md = fs::symlink_metadata(path)?;
    let links = if md.is_dir() { 1 } else { md.nlink().max(1) };
    let mut n = md.blocks() * 512 / links;
    if md.is_dir() {
        for e in fs::read_dir(path)? {
            n += tree_bytes(&e?.path())?;
        }
    }
    Ok(n)
}

impl Store {
    /// Cache records: key file name → (snapshot, record time).
    fn records(&self) -> Result<BTreeMap<String, (Option<SnapshotId>, i64)>, StoreError> {
        let dir = self.root.join("cache");
        let mut out = BTreeMap::new();
        for e in fs::read_dir(&dir).map_err(io_err("list cache records", &dir))? {
            let e = e.map_err(io_err("list cache records", &dir))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let text = fs::read_to_string(e.path()).unwrap_or_default();
            let id = text.trim().parse().ok().map(SnapshotId);
            let time = e.metadata().map(|m| m.mtime()).unwrap_or(0);
            out.insert(name, (id, time));
        }
        Ok(out)
    }

    /// Every snapshot with its size and last use, in id order.
    pub fn usage(&self) -> Result<Vec<SnapshotUsage>, StoreError> {
        let records = self.records()?;
        let dir = self.root.join("snapshots");
        let mut out = Vec::new();
        let mut names: Vec<_> = fs::read_dir(&dir)
            .map_err(io_err("list snapshots", &dir))?
            .filter_map(|e| e.ok())
            .collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(d) = format!("sha256:{name}").parse() else {
                continue;
            };
            let id = SnapshotId(d);
            let path = e.path();
            let bytes = tree_bytes(&path).map_err(io_err("measure snapshot", &path))?;
            let mine: Vec<i64> = records
                .values()
                .filter(|(s, _)| *s == Some(id))
                .map(|(_, t)| *t)
                .collect();
            let last_used = mine
                .iter()
                .copied()
                .max()
                .unwrap_or_else(|| e.metadata().map(|m| m.mtime()).unwrap_or(0));
            out.push(SnapshotUsage {
                id,
                bytes,
                last_used,
                records: mine.len(),
            });
        }
        Ok(out)
    }

    /// Removes staging leftovers (and partial blob downloads), dangling cache records, and snapshots
    /// (least recently used first) until at most `keep_bytes` remain; with
    /// `None` every snapshot and every cache mount goes (with a size kept,
    /// cache mounts stay). Needs [`Store::open_exclusive`].
    pub fn prune(&self, keep_bytes: Option<u64>) -> Result<PruneReport, StoreError> {
        let tmp = self.root.join("tmp");
        // Mount points are absolute; `--root` may be relative.
        let abs = fs::canonicalize(&tmp).map_err(io_err("resolve", &tmp))?;
        super::overlay::detach_mounts_under(&abs).map_err(io_err("unmount leftovers in", &tmp))?;
        for e in fs::read_dir(&tmp).map_err(io_err("list staging", &tmp))? {
            let p = e.map_err(io_err("list staging", &tmp))?.path();
            fsutil::remove_all(&p).map_err(io_err("remove staging leftover", &p))?;
        }
        // Blob downloads are staged beside their destination (`.tmpXXXX`).
        let blobs = self.root.join("blobs/sha256");
        if let Ok(entries) = fs::read_dir(&blobs) {
            for e in entries {
                let e = e.map_err(io_err("list blobs", &blobs))?;
                if e.file_name().to_string_lossy().starts_with(".tmp") {
                    let p = e.path();
                    fsutil::remove_all(&p).map_err(io_err("remove partial blob", &p))?;
                }
            }
        }
        let mut usage = self.usage()?;
        usage.sort_by_key(|u| (u.last_used, u.id));
        let mut total: u64 = usage.iter().map(|u| u.bytes).sum();
        let mut report = PruneReport::default();
        if keep_bytes.is_none() {
            (report.cache_mounts, report.cache_mount_bytes) = self.prune_cache_mounts()?;
        }
        let keep = keep_bytes.unwrap_or(0);
        for u in &usage {
            if total <= keep && keep_bytes.is_some() {
                break;
            }
            let path = self.snapshot_path(&u.id);
            let doomed = tmp.join(format!("prune-{}", u.id.0.hex()));
            fs::rename(&path, &doomed).map_err(io_err("retire snapshot", &path))?;
            fsutil::remove_all(&doomed).map_err(io_err("delete snapshot", &doomed))?;
            total -= u.bytes;
            report.snapshots += 1;
            report.bytes += u.bytes;
        }
        let cache = self.root.join("cache");
        for (name, (id, _)) in self.records()? {
            if !id.is_some_and(|id| self.has_snapshot(&id)) {
                let p = cache.join(&name);
                fs::remove_file(&p).map_err(io_err("delete cache record", &p))?;
                report.records += 1;
            }
        }
        Ok(report)
    }
}
