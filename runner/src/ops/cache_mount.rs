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

/// Cache instances one exec op holds: a cache named twice in one step is
/// mounted twice from one instance.
#[derive(Default)]
pub(super) struct Held(Vec<(CacheKey, CacheLease)>);

/// The id a cache mount names (its destination when the op gives none).
fn cache_id(m: &Mount) -> String {
    match m.cache_opt.as_ref() {
        Some(c) if !c.id.is_empty() => c.id.clone(),
        _ => m.dest.clone(),
    }
}

/// Holds an instance of the cache mount `m` for the step and returns the
/// directory to bind at its destination.
pub(super) fn prepare(
    ctx: &OpContext<'_>,
    m: &Mount,
    inputs: &[SnapshotId],
    held: &mut Held,
) -> Result<PathBuf, OpError> {
    let id = cache_id(m);
    let err = |source: CacheMountError| OpError::CacheMount {
        dest: m.dest.clone(),
        source,
    };
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
            let tree = resolve_in_root(&root, &selector, true).map_err(|_| {
                err(CacheMountError::SeedNotDirectory {
                    selector: selector.clone(),
                })
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
    let key = (
        id.clone(),
        seed.as_ref().map(|s| (s.snapshot, s.selector.clone())),
    );
    if let Some((_, lease)) = held.0.iter().find(|(k, _)| *k == key) {
        return Ok(lease.path().to_path_buf());
    }
    let lease = ctx
        .store
        .acquire_cache_mount(&id, seed.as_ref(), sharing, ctx.cancel)
        .map_err(err)?;
    let path = lease.path().to_path_buf();
    held.0.push((key, lease));
    Ok(path)
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
