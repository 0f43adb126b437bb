//! Merge and diff ops on whole snapshots.
//!
//! - merge: the inputs' trees applied in order onto an empty root; later
//!   entries replace earlier ones, directories combine.
//! - diff: what `upper` adds or changes relative to `lower` (new entries,
//!   entries whose type, content, mode, owner or link target differ), with
//!   their parent directories. Deletions are not represented in a tree; they
//!   matter only when a diff is exported as a layer.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use llb_schema::pb::DiffOp;

use crate::error::{OpError, StoreError};
use crate::fsutil;
use crate::store::{tree, SnapshotId, Store};

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { what, path, source }
}

/// Overlays `src` onto `dst` (both existing directories).
fn overlay(src: &Path, dst: &Path) -> Result<(), StoreError> {
    let mut names: Vec<_> = fs::read_dir(src)
        .map_err(io("list", src))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    for n in names {
        let (s, d) = (src.join(&n), dst.join(&n));
        let smd = fs::symlink_metadata(&s).map_err(io("read", &s))?;
        let dmd = fs::symlink_metadata(&d).ok();
        if smd.is_dir() && dmd.as_ref().is_some_and(|m| m.is_dir()) {
            overlay(&s, &d)?;
            fsutil::apply_metadata(&d, &smd).map_err(io("set metadata of", &d))?;
        } else {
            if dmd.is_some() {
                fsutil::remove_all(&d).map_err(io("replace", &d))?;
            }
            fsutil::copy_tree(&s, &d).map_err(io("copy", &s))?;
        }
    }
    Ok(())
}

/// Merges the inputs in order into one snapshot.
pub fn merge(store: &Store, inputs: &[SnapshotId]) -> Result<SnapshotId, OpError> {
    let stage = store.staging()?;
    let root = stage.path().join("merge");
    match inputs.first() {
        None => return Ok(store.scratch()?),
        Some(first) => {
            fsutil::copy_tree(&store.snapshot_path(first), &root).map_err(io("copy", &root))?
        }
    }
    for id in &inputs[1..] {
        let src = store.snapshot_path(id);
        overlay(&src, &root)?;
        let md = fs::symlink_metadata(&src).map_err(io("read", &src))?;
        fsutil::apply_metadata(&root, &md).map_err(io("set metadata of", &root))?;
    }
    Ok(store.commit(&root)?)
}

fn same_entry(a: &Path, b: &Path) -> std::io::Result<bool> {
    let (ma, mb) = (fs::symlink_metadata(a)?, fs::symlink_metadata(b)?);
    if ma.file_type() != mb.file_type()
        || ma.mode() != mb.mode()
        || ma.uid() != mb.uid()
        || ma.gid() != mb.gid()
    {
        return Ok(false);
    }
    if ma.is_file() {
        return Ok(ma.len() == mb.len() && tree::file_digest(a)? == tree::file_digest(b)?);
    }
    if ma.file_type().is_symlink() {
        return Ok(fs::read_link(a)? == fs::read_link(b)?);
    }
    Ok(ma.is_dir() || ma.rdev() == mb.rdev())
}

/// Copies into `out` what differs in `upper` from `lower`; returns whether
/// anything was copied.
fn changes(lower: &Path, upper: &Path, out: &Path) -> Result<bool, StoreError> {
    let mut any = false;
    let mut names: Vec<_> = fs::read_dir(upper)
        .map_err(io("list", upper))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    for n in names {
        let (l, u, o) = (lower.join(&n), upper.join(&n), out.join(&n));
        let umd = fs::symlink_metadata(&u).map_err(io("read", &u))?;
        let lmd = fs::symlink_metadata(&l).ok();
        if umd.is_dir() && lmd.as_ref().is_some_and(|m| m.is_dir()) {
            fs::create_dir(&o).map_err(io("create", &o))?;
            let inner = changes(&l, &u, &o)?;
            let same = same_entry(&l, &u).map_err(io("compare", &u))?;
            if inner || !same {
                fsutil::apply_metadata(&o, &umd).map_err(io("set metadata of", &o))?;
                any = true;
            } else {
                fs::remove_dir(&o).map_err(io("remove", &o))?;
            }
        } else if lmd.is_none() || !same_entry(&l, &u).map_err(io("compare", &u))? {
            fsutil::copy_tree(&u, &o).map_err(io("copy", &u))?;
            any = true;
        }
    }
    Ok(any)
}

/// The changes from the lower input to the upper one (a missing side is scratch).
pub fn diff(store: &Store, d: &DiffOp, inputs: &[SnapshotId]) -> Result<SnapshotId, OpError> {
    let pick = |idx: Option<i64>| -> Result<Option<SnapshotId>, OpError> {
        match idx {
            None | Some(-1) => Ok(None),
            Some(i) if i >= 0 && (i as usize) < inputs.len() => Ok(Some(inputs[i as usize])),
            Some(i) => Err(OpError::Unsupported(format!(
                "diff input index {i} is out of range"
            ))),
        }
    };
    let lower = pick(d.lower.as_ref().map(|l| l.input))?;
    let upper = pick(d.upper.as_ref().map(|u| u.input))?;
    let Some(upper) = upper else {
        return Ok(store.scratch()?);
    };
    let lower = match lower {
        Some(l) => l,
        None => store.scratch()?,
    };
    let stage = store.staging()?;
    let root = stage.path().join("diff");
    let up = store.snapshot_path(&upper);
    fs::create_dir(&root).map_err(io("create", &root))?;
    changes(&store.snapshot_path(&lower), &up, &root)?;
    let md = fs::symlink_metadata(&up).map_err(io("read", &up))?;
    fsutil::apply_metadata(&root, &md).map_err(io("set metadata of", &root))?;
    Ok(store.commit(&root)?)
}
