//! The copy action (COPY/ADD): wildcards, followSymlink, dirCopyContents,
//! createDestPath, owner, mode and symbolic modeStr, timestamps,
//! include/exclude patterns, alwaysReplaceExistingDestPaths, and ADD's
//! unpacking of local tar archives (`archive.rs`). Destination rules are
//! tonistiigi/fsutil's `copy.Copy`, which BuildKit uses: a trailing `/` on
//! the destination makes it a directory, copying into an existing directory
//! appends the source's base name unless the directory's contents are copied.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use llb_schema::pb::FileActionCopy;

use super::file::{expand_wildcard, finish, mkdir_all};
use super::mode::apply_mode_str;
use super::owner::Owner;
use crate::error::FileOpError;
use crate::fsutil::{self, resolve_in_root};
use crate::pattern::{has_wildcard, PatternSet};

struct Copier<'a> {
    action: usize,
    c: &'a FileActionCopy,
    owner: Option<Owner>,
    include: PatternSet,
    exclude: PatternSet,
}

/// Runs one copy action from the tree `src_root` into `dest_root`.
pub fn copy(
    action: usize,
    src_root: &Path,
    dest_root: &Path,
    c: &FileActionCopy,
    owner: Option<Owner>,
) -> Result<(), FileOpError> {
    let bad_pat = |_| FileOpError::Malformed {
        action,
        reason: "malformed include/exclude pattern".into(),
    };
    let cp = Copier {
        action,
        c,
        owner,
        include: PatternSet::new(&c.include_patterns).map_err(bad_pat)?,
        exclude: PatternSet::new(&c.exclude_patterns).map_err(bad_pat)?,
    };
    let dest_clean = fsutil::clean_path(&c.dest);
    let dest_is_dir_form = c.dest.ends_with('/') || c.dest.ends_with("/.");
    if !c.create_dest_path {
        let comps = fsutil::clean_components(&c.dest);
        let parent = comps[..comps.len().saturating_sub(1)].join("/");
        let p = resolve_in_root(dest_root, &parent, true)
            .map_err(|source| cp.io("resolve", &c.dest, source))?;
        if fs::symlink_metadata(&p).is_err() {
            return Err(FileOpError::NotFound {
                action,
                path: format!("/{parent}"),
            });
        }
    }
    // fsutil's ensureDstPath: the destination's parent, or itself if it ends in '/'.
    let ensure = if dest_is_dir_form {
        dest_clean.clone()
    } else {
        let comps = fsutil::clean_components(&dest_clean);
        format!("/{}", comps[..comps.len().saturating_sub(1)].join("/"))
    };
    mkdir_all(action, dest_root, &ensure, 0o755, owner, c.timestamp)?;
    let srcs = if c.allow_wildcard && has_wildcard(&c.src) {
        let m = expand_wildcard(action, src_root, &c.src, c.follow_symlink)?;
        if m.is_empty() {
            if c.allow_empty_wildcard {
                return Ok(());
            }
            return Err(FileOpError::NotFound {
                action,
                path: fsutil::clean_path(&c.src),
            });
        }
        m
    } else {
        vec![fsutil::clean_path(&c.src)]
    };
    for s in srcs {
        let src =
            resolve_in_root(src_root, &s, c.follow_symlink).map_err(|e| cp.io("resolve", &s, e))?;
        let src_md = fs::symlink_metadata(&src).map_err(|_| FileOpError::NotFound {
            action,
            path: s.clone(),
        })?;
        if c.attempt_unpack_docker_compatibility
            && src_md.is_file()
            && super::archive::unpack_if_archive(
                action,
                &src,
                &s,
                dest_root,
                &dest_clean,
                owner,
                c.timestamp,
            )?
        {
            continue;
        }
        let mut dest = resolve_in_root(dest_root, &dest_clean, true)
            .map_err(|e| cp.io("resolve", &dest_clean, e))?;
        let dest_md = fs::metadata(&dest).ok();
        let mut shown = dest_clean.clone();
        if let Some(dmd) = &dest_md {
            if (!c.dir_copy_contents && src_md.is_dir()) || (!src_md.is_dir() && dmd.is_dir()) {
                let base = fsutil::clean_components(&s).pop().unwrap_or_default();
                dest = dest.join(&base);
                shown = format!("{}/{base}", shown.trim_end_matches('/'));
            }
        }
        cp.copy_entry(&src, &dest, &shown, "", true)?;
    }
    Ok(())
}

impl Copier<'_> {
    fn io(&self, what: &'static str, path: &str, source: std::io::Error) -> FileOpError {
        FileOpError::Io {
            action: self.action,
            what,
            path: path.to_string(),
            source,
        }
    }

    fn selected(&self, rel: &str, is_dir: bool) -> (bool, bool) {
        if rel.is_empty() {
            return (true, true);
        }
        let excluded = !self.exclude.is_empty() && self.exclude.matches(rel);
        let included = self.include.is_empty() || self.include.matches(rel);
        let descend = is_dir && !excluded && (included || self.include.may_match_under(rel));
        (included && !excluded, descend)
    }

    /// Copies `src` to `dst` (`rel` is the path under the copy's source root).
    fn copy_entry(
        &self,
        src: &Path,
        dst: &Path,
        shown: &str,
        rel: &str,
        top: bool,
    ) -> Result<(), FileOpError> {
        let md = fs::symlink_metadata(src).map_err(|e| self.io("read", shown, e))?;
        let (take, descend) = self.selected(rel, md.is_dir());
        if md.is_dir() {
            if !descend {
                return Ok(());
            }
            let existing = fs::symlink_metadata(dst).ok();
            let created = match existing {
                Some(e) if e.is_dir() && !self.c.always_replace_existing_dest_paths => false,
                Some(_) => {
                    fsutil::remove_all(dst).map_err(|e| self.io("replace", shown, e))?;
                    fs::create_dir(dst).map_err(|e| self.io("create directory", shown, e))?;
                    true
                }
                None => {
                    fs::create_dir(dst).map_err(|e| self.io("create directory", shown, e))?;
                    true
                }
            };
            let mut names: Vec<_> = fs::read_dir(src)
                .map_err(|e| self.io("list", shown, e))?
                .filter_map(|e| e.ok().map(|e| e.file_name()))
                .collect();
            names.sort();
            for name in names {
                let n = name.to_string_lossy();
                let child_rel = if rel.is_empty() {
                    n.to_string()
                } else {
                    format!("{rel}/{n}")
                };
                self.copy_entry(
                    &src.join(&name),
                    &dst.join(&name),
                    &format!("{shown}/{n}"),
                    &child_rel,
                    false,
                )?;
            }
            if created || top || take {
                if !take && !created {
                    return Ok(());
                }
                self.apply(dst, &md, shown)?;
            }
            if !take
                && created
                && !top
                && fs::read_dir(dst)
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(false)
            {
                fs::remove_dir(dst).map_err(|e| self.io("remove", shown, e))?;
            }
            return Ok(());
        }
        if !take {
            return Ok(());
        }
        if let Ok(e) = fs::symlink_metadata(dst) {
            if e.is_dir() && !self.c.always_replace_existing_dest_paths {
                return Err(FileOpError::Conflict {
                    action: self.action,
                    path: shown.to_string(),
                    reason: "cannot overwrite a directory with a non-directory".into(),
                });
            }
            fsutil::remove_all(dst).map_err(|e| self.io("replace", shown, e))?;
        }
        fsutil::copy_entry(src, dst, &md).map_err(|e| self.io("copy", shown, e))?;
        self.apply(dst, &md, shown)
    }

    /// Owner, mode and time of one copied entry.
    fn apply(&self, dst: &Path, md: &fs::Metadata, shown: &str) -> Result<(), FileOpError> {
        if !md.file_type().is_symlink() {
            let mode = if !self.c.mode_str.is_empty() {
                apply_mode_str(&self.c.mode_str, md.mode(), md.is_dir()).map_err(|_| {
                    FileOpError::BadMode {
                        action: self.action,
                        mode: self.c.mode_str.clone(),
                    }
                })?
            } else if self.c.mode != -1 {
                (self.c.mode as u32) & 0o7777
            } else {
                md.mode() & 0o7777
            };
            fs::set_permissions(dst, fs::Permissions::from_mode(mode))
                .map_err(|e| self.io("chmod", shown, e))?;
        }
        let ts = if self.c.timestamp == -1 {
            -1
        } else {
            self.c.timestamp
        };
        if ts == -1 {
            fsutil::set_mtime(dst, md.mtime(), md.mtime_nsec())
                .map_err(|e| self.io("set time of", shown, e))?;
        }
        finish(self.action, dst, shown, self.owner, ts)
    }
}
