//! The exec op's cache mounts (`RUN --mount=type=cache`): which cache a mount
//! names, holding an instance of it for the step, and BuildKit's `--no-cache`
//! rule that forgets the caches of the steps it reruns.
//!
//! Identity, as BuildKit's mount manager keys it: the cacheOpt ID (the
//! Dockerfile frontend already applied the default id = target and the
//! `BUILDKIT_CACHE_MOUNT_NS` namespace), plus, when the mount has an input
//! (`from=`/`source=`, or the mkdir file op the frontend emits for
//! `mode`/`uid`/`gid`), that input's snapshot and the selector; a new
//! instance starts as a copy of the input at the selector. BuildKit keys by
//! the input ref and mounts the selector of a writable copy of the whole
//! input; dfc copies only the selected directory, so the selector is part of
//! the key (two selectors of one input are two caches, where BuildKit would
//! show two paths of one tree).
//!
//! All cache mounts of a step are taken before its other mounts are
//! prepared, in one global order (id, then seed), so two steps waiting for
//! `locked` caches never wait for each other.
//!
//! What it does not do: store layout and locking (`store/cachemount.rs`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use llb_schema::pb::{CacheSharingOpt, Mount, MountType};

use super::OpContext;
use crate::error::{OpError, StoreError};
use crate::fsutil::{clean_path, resolve_in_root};
use crate::store::{CacheLease, CacheMountError, CacheSeed, Sharing, SnapshotId, Store};
use crate::vertex::{Plan, VertexKind};

/// What names one cache: its id and, when seeded, the seed's snapshot and selector.
type CacheKey = (String, Option<(SnapshotId, String)>);

/// Cache instances one exec op holds, with the directory of each of its cache
/// mounts (by mount index): a cache named twice in one step is one instance.
#[derive(Default)]
pub(super) struct Held {
    paths: Vec<(usize, PathBuf)>,
    leases: Vec<CacheLease>,
}

impl Held {
    /// The directory to bind for cache mount `index` of the op.
    pub(super) fn path(&self, index: usize) -> Result<PathBuf, OpError> {
        self.paths
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, p)| p.clone())
            .ok_or_else(|| OpError::Unsupported(format!("cache mount #{index} was not prepared")))
    }
}

/// The id a cache mount names (its destination when the op gives none).
fn cache_id(m: &Mount) -> String {
    match m.cache_opt.as_ref() {
        Some(c) if !c.id.is_empty() => c.id.clone(),
        _ => m.dest.clone(),
    }
}

/// One cache mount of the op: which cache, its seed, how it is shared.
struct Wanted {
    index: usize,
    key: CacheKey,
    seed: Option<CacheSeed>,
    sharing: Sharing,
}

fn wanted(
    ctx: &OpContext<'_>,
    index: usize,
    m: &Mount,
    inputs: &[SnapshotId],
) -> Result<Wanted, OpError> {
    let id = cache_id(m);
    let sharing = match m.cache_opt.as_ref().map_or(0, |c| c.sharing) {
        s if s == CacheSharingOpt::Shared as i32 => Sharing::Shared,
        s if s == CacheSharingOpt::Private as i32 => Sharing::Private,
        s if s == CacheSharingOpt::Locked as i32 => Sharing::Locked,
        s => {
            return Err(OpError::Unsupported(format!(
                "cache mount {}: invalid sharing option {s} (0 shared, 1 private, 2 locked)",
                m.dest
            )))
        }
    };
    let seed = match m.input {
        -1 => None,
        x if x >= 0 && (x as usize) < inputs.len() => {
            let snapshot = inputs[x as usize];
            let selector = clean_path(&m.selector);
            let root = ctx.store.snapshot_path(&snapshot);
            let tree =
                resolve_in_root(&root, &selector, true).map_err(|_| OpError::CacheMount {
                    dest: m.dest.clone(),
                    source: CacheMountError::SeedNotDirectory {
                        selector: selector.clone(),
                    },
                })?;
            Some(CacheSeed {
                snapshot,
                selector,
                tree,
            })
        }
        x => {
            return Err(OpError::Unsupported(format!(
                "mount {} refers to input {x}, which does not exist",
                m.dest
            )))
        }
    };
    let key = (id, seed.as_ref().map(|s| (s.snapshot, s.selector.clone())));
    Ok(Wanted {
        index,
        key,
        seed,
        sharing,
    })
}

/// Holds an instance of every cache mount of the op for the step. Caches are
/// taken in one global order (by id, then seed), so steps that each wait for
/// several `locked` caches cannot wait for each other in a cycle.
pub(super) fn acquire_all(
    ctx: &OpContext<'_>,
    mounts: &[Mount],
    inputs: &[SnapshotId],
) -> Result<Held, OpError> {
    let mut want = Vec::new();
    for (i, m) in mounts.iter().enumerate() {
        if MountType::try_from(m.mount_type) == Ok(MountType::Cache) && m.output < 0 {
            want.push(wanted(ctx, i, m, inputs)?);
        }
    }
    want.sort_by(|a, b| a.key.cmp(&b.key));
    let mut held = Held::default();
    let mut last: Option<(&CacheKey, PathBuf)> = None;
    for w in &want {
        let path = match &last {
            Some((k, p)) if **k == w.key => p.clone(),
            _ => {
                let lease = ctx
                    .store
                    .acquire_cache_mount(&w.key.0, w.seed.as_ref(), w.sharing, ctx.cancel)
                    .map_err(|source| OpError::CacheMount {
                        dest: mounts[w.index].dest.clone(),
                        source,
                    })?;
                let p = lease.path().to_path_buf();
                held.leases.push(lease);
                p
            }
        };
        held.paths.push((w.index, path.clone()));
        last = Some((&w.key, path));
    }
    Ok(held)
}

/// BuildKit's `--no-cache` rule (`detectPrunedCacheID` at load, then
/// `PruneCacheMounts`): every cache mount of an exec op that ignores the
/// cache (`no_cache` for the whole solve, or the op's `ignore_cache`) is
/// forgotten before the solve starts: with an input, every seeded cache of
/// that id; without one, the unseeded cache of that id.
pub(crate) fn reset_for(store: &Store, plan: &Plan, no_cache: bool) -> Result<(), StoreError> {
    let mut ids = BTreeSet::new();
    for v in &plan.vertices {
        let VertexKind::Exec(e) = &v.kind else {
            continue;
        };
        if !(no_cache || v.ignore_cache) {
            continue;
        }
        for m in &e.mounts {
            if MountType::try_from(m.mount_type) == Ok(MountType::Cache) {
                ids.insert((cache_id(m), m.input >= 0));
            }
        }
    }
    for (id, seeded) in ids {
        store.reset_cache_mounts(&id, seeded)?;
    }
    Ok(())
}
