//! `local://NAME` sources: a copy of the `--local NAME=DIR` directory,
//! filtered by the `local.includepattern`, `local.excludepatterns` and
//! `local.followpaths` attributes (JSON arrays), owned by root as BuildKit's
//! clients send them.
//!
//! Before copying, the filtered tree's metadata (names, modes, sizes, mtimes,
//! ctimes, inodes, link targets) is hashed into a stat key; when a previous
//! copy was recorded under the same key, its snapshot is reused without
//! reading any file. ctime cannot be set back by tools such as `touch -d`, so
//! a file rewritten in place changes the key even with the same size and
//! mtime (git's index relies on the same fields).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::OpContext;
use crate::error::{OpError, SourceError};
use crate::fsutil;
use crate::pattern::PatternSet;
use crate::store::SnapshotId;

fn patterns(attrs: &BTreeMap<String, String>, key: &str) -> Result<Vec<String>, SourceError> {
    match attrs.get(key) {
        None => Ok(Vec::new()),
        Some(v) => serde_json::from_str(v).map_err(|_| SourceError::BadAttr {
            key: key.to_string(),
            value: v.clone(),
            reason: "expected a JSON array of strings",
        }),
    }
}

/// Copies the filtered local directory into a new snapshot.
pub fn run(
    ctx: &mut OpContext<'_>,
    name: &str,
    attrs: &BTreeMap<String, String>,
) -> Result<SnapshotId, OpError> {
    let dir = ctx
        .locals
        .get(name)
        .ok_or_else(|| SourceError::MissingLocal {
            name: name.to_string(),
        })?;
    let bad = |key: &str, v: &[String]| SourceError::BadAttr {
        key: key.to_string(),
        value: v.join(","),
        reason: "malformed pattern",
    };
    let inc_raw = patterns(attrs, "local.includepattern")?;
    let exc_raw = patterns(attrs, "local.excludepatterns")?;
    let follow = patterns(attrs, "local.followpaths")?;
    let mut inc_all = inc_raw.clone();
    inc_all.extend(follow.iter().cloned());
    let include = PatternSet::new(&inc_all).map_err(|_| bad("local.includepattern", &inc_raw))?;
    let exclude = PatternSet::new(&exc_raw).map_err(|_| bad("local.excludepatterns", &exc_raw))?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SourceError::Io { path, source }
    };
    let md = fs::metadata(dir).map_err(io(dir))?;
    let filter = Filter {
        include: &include,
        exclude: &exclude,
        as_root: is_root(),
        links: Default::default(),
    };
    let mut h = Sha256::new();
    h.update(b"dfc-local-stat-v1\0");
    h.update(
        fs::canonicalize(dir)
            .map_err(io(dir))?
            .as_os_str()
            .as_bytes(),
    );
    h.update([0, u8::from(filter.as_root)]);
    for (k, v) in attrs {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    feed(&mut h, "", &md, None);
    filter.stat_dir(dir, "", &mut h).map_err(io(dir))?;
    let stat_key = llb_schema::Digest::from_bytes(h.finalize().into());
    if let Some(id) = ctx.store.lookup(&stat_key) {
        return Ok(id);
    }
    let stage = ctx.store.staging()?;
    let root = stage.path().join("local");
    fs::create_dir(&root).map_err(io(&root))?;
    filter.copy_dir(dir, &root, "").map_err(io(dir))?;
    fs::set_permissions(
        &root,
        fs::Permissions::from_mode(md.permissions().mode() & 0o7777),
    )
    .map_err(io(&root))?;
    let id = ctx.store.commit(&root)?;
    ctx.store.record(&stat_key, &id)?;
    Ok(id)
}

/// Adds one entry's metadata to a stat key.
/// The entries of `src` in name order, each with its path, its name, its path relative
/// to the source root (`rel` is `src`'s) and its own metadata (symlinks not followed):
/// the one walk that both hashing and copying follow.
fn children(
    src: &Path,
    rel: &str,
) -> std::io::Result<Vec<(PathBuf, std::ffi::OsString, String, fs::Metadata)>> {
    let mut entries: Vec<_> = fs::read_dir(src)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    entries
        .into_iter()
        .map(|e| {
            let name = e.file_name();
            let child_rel = if rel.is_empty() {
                name.to_string_lossy().into_owned()
            } else {
                format!("{rel}/{}", name.to_string_lossy())
            };
            let path = e.path();
            let md = fs::symlink_metadata(&path)?;
            Ok((path, name, child_rel, md))
        })
        .collect()
}

fn feed(h: &mut Sha256, rel: &str, md: &fs::Metadata, link: Option<&Path>) {
    h.update(rel.as_bytes());
    h.update([0]);
    for x in [
        u64::from(md.mode()),
        md.size(),
        md.mtime() as u64,
        md.mtime_nsec() as u64,
        md.ctime() as u64,
        md.ctime_nsec() as u64,
        md.ino(),
        md.dev(),
        md.nlink(),
    ] {
        h.update(x.to_le_bytes());
    }
    if let Some(l) = link {
        h.update(l.as_os_str().as_bytes());
    }
    h.update([0xff]);
}

/// Whether the process runs as root (can chown).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

struct Filter<'a> {
    include: &'a PatternSet,
    exclude: &'a PatternSet,
    as_root: bool,
    /// First copy of each multiply-linked file, by (device, inode).
    links: std::cell::RefCell<std::collections::HashMap<(u64, u64), std::path::PathBuf>>,
}

impl Filter<'_> {
    /// Hashes the metadata of what [`copy_dir`](Self::copy_dir) would copy
    /// (and of the directories it would look into).
    fn stat_dir(&self, src: &Path, rel: &str, h: &mut Sha256) -> std::io::Result<()> {
        for (path, _, child_rel, md) in children(src, rel)? {
            let excluded = self.exclude.matches(&child_rel);
            let included = self.include.is_empty() || self.include.matches(&child_rel);
            if md.is_dir() {
                if excluded || (!included && !self.include.may_match_under(&child_rel)) {
                    continue;
                }
                feed(h, &child_rel, &md, None);
                self.stat_dir(&path, &child_rel, h)?;
                h.update(b"\0end\0");
            } else if included && !excluded {
                let link = if md.file_type().is_symlink() {
                    Some(fs::read_link(&path)?)
                } else {
                    None
                };
                feed(h, &child_rel, &md, link.as_deref());
            }
        }
        Ok(())
    }

    fn copy_dir(&self, src: &Path, dst: &Path, rel: &str) -> std::io::Result<()> {
        for (path, name, child_rel, md) in children(src, rel)? {
            if self.exclude.matches(&child_rel) && !md.is_dir() {
                continue;
            }
            let included = self.include.is_empty() || self.include.matches(&child_rel);
            let to = dst.join(&name);
            if md.is_dir() {
                if self.exclude.matches(&child_rel) {
                    continue;
                }
                if !included && !self.include.may_match_under(&child_rel) {
                    continue;
                }
                fs::create_dir(&to)?;
                self.copy_dir(&path, &to, &child_rel)?;
                if !included && fs::read_dir(&to)?.next().is_none() {
                    fs::remove_dir(&to)?;
                    continue;
                }
                self.finish(&to, &md)?;
            } else if included {
                use std::os::unix::fs::MetadataExt;
                let key = (md.dev(), md.ino());
                if md.is_file() && md.nlink() > 1 {
                    if let Some(first) = self.links.borrow().get(&key) {
                        fs::hard_link(first, &to)?;
                        continue;
                    }
                    self.links.borrow_mut().insert(key, to.clone());
                }
                fsutil::copy_entry(&path, &to, &md)?;
                self.finish(&to, &md)?;
            }
        }
        Ok(())
    }

    fn finish(&self, path: &Path, md: &fs::Metadata) -> std::io::Result<()> {
        if self.as_root {
            fsutil::chown_if_permitted(path, 0, 0)?;
        }
        if !md.file_type().is_symlink() {
            fs::set_permissions(
                path,
                fs::Permissions::from_mode(std::os::unix::fs::MetadataExt::mode(md) & 0o7777),
            )?;
        }
        use std::os::unix::fs::MetadataExt;
        fsutil::set_mtime(path, md.mtime(), md.mtime_nsec())
    }
}
