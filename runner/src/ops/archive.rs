//! ADD's archive unpacking: a source file that is a tar (plain or gzip) is
//! extracted into the destination directory instead of copied. Entries are
//! placed safely: `..` and absolute names are rejected, and parents are
//! resolved inside the destination root so an earlier symlink entry cannot
//! redirect a later one outside it. Entries keep their owners unless the
//! action sets one (`ADD --chown`). Devices and FIFOs are placed by
//! `special.rs` (devices only as root, skipped otherwise).

use std::fs;
use std::io::{BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use super::file::{finish, mkdir_all};
use super::owner::Owner;
use crate::error::FileOpError;
use crate::fsutil::{self, resolve_in_root};

/// Whether the first bytes look like a tar header (ustar magic or a valid
/// header checksum).
fn looks_like_tar(h: &[u8]) -> bool {
    if h.len() < 512 {
        return false;
    }
    if &h[257..262] == b"ustar" {
        return true;
    }
    let stored = std::str::from_utf8(&h[148..156])
        .ok()
        .and_then(|s| u32::from_str_radix(s.trim_matches(|c: char| c == '\0' || c == ' '), 8).ok());
    let sum: u32 = h[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u32
            }
        })
        .sum();
    stored == Some(sum) && h[0] != 0
}

fn open(src: &Path) -> std::io::Result<Option<Box<dyn Read>>> {
    let mut head = [0u8; 2];
    let mut f = fs::File::open(src)?;
    let n = f.read(&mut head)?;
    let f = fs::File::open(src)?;
    let reader: Box<dyn Read> = if n == 2 && head == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(BufReader::new(f)))
    } else {
        Box::new(BufReader::new(f))
    };
    let mut probe = Vec::with_capacity(512);
    let mut reader = reader;
    reader.by_ref().take(512).read_to_end(&mut probe)?;
    if !looks_like_tar(&probe) {
        return Ok(None);
    }
    Ok(Some(Box::new(std::io::Cursor::new(probe).chain(reader))))
}

/// Unpacks `src` into `dest` (a container path in `dest_root`) when it is an
/// archive; returns false (nothing done) when it is not.
pub fn unpack_if_archive(
    action: usize,
    src: &Path,
    shown: &str,
    dest_root: &Path,
    dest: &str,
    owner: Option<Owner>,
    ts: i64,
) -> Result<bool, FileOpError> {
    let arch = |reason: String| FileOpError::Archive {
        action,
        path: shown.to_string(),
        reason,
    };
    let Some(reader) = open(src).map_err(|e| arch(e.to_string()))? else {
        return Ok(false);
    };
    let base = mkdir_all(action, dest_root, dest, 0o755, owner, ts)?;
    let _ = base;
    let mut ar = tar::Archive::new(reader);
    ar.set_preserve_permissions(true);
    ar.set_preserve_mtime(true);
    ar.set_unpack_xattrs(false);
    // Without --chown, entries keep the archive's owners (as BuildKit's untar
    // does); only root can set them.
    let keep_owners = owner.is_none() && super::local::is_root();
    let entries = ar.entries().map_err(|e| arch(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| arch(e.to_string()))?;
        let name: PathBuf = entry.path().map_err(|e| arch(e.to_string()))?.into_owned();
        let mut rel = Vec::new();
        for c in name.components() {
            match c {
                Component::Normal(p) => rel.push(p.to_string_lossy().into_owned()),
                Component::CurDir => {}
                _ => {
                    return Err(arch(format!(
                        "entry {:?} leaves the destination ('..' or absolute)",
                        name
                    )))
                }
            }
        }
        let Some((last, parents)) = rel.split_last() else {
            continue;
        };
        let container = format!("{}/{}", dest.trim_end_matches('/'), rel.join("/"));
        let parent_c = format!("{}/{}", dest.trim_end_matches('/'), parents.join("/"));
        let parent = mkdir_all(action, dest_root, &parent_c, 0o755, owner, -1)?;
        let target = parent.join(last);
        if let Ok(md) = fs::symlink_metadata(&target) {
            if !(md.is_dir() && entry.header().entry_type().is_dir()) {
                fsutil::remove_all(&target).map_err(|e| arch(e.to_string()))?;
            }
        }
        if entry.header().entry_type().is_hard_link() {
            let link = entry
                .link_name()
                .map_err(|e| arch(e.to_string()))?
                .ok_or_else(|| arch("hard link without target".into()))?;
            if !fsutil::is_contained(&link) {
                return Err(arch(format!(
                    "hard link {:?} points outside the archive",
                    link
                )));
            }
            let from = resolve_in_root(
                dest_root,
                &format!("{}/{}", dest, link.to_string_lossy()),
                false,
            )
            .map_err(|e| arch(e.to_string()))?;
            fs::hard_link(&from, &target).map_err(|e| arch(e.to_string()))?;
            continue;
        }
        // Unreadable numeric fields count as 0, as Go's archive/tar reads them.
        let h = entry.header();
        let ids = (h.uid().unwrap_or(0), h.gid().unwrap_or(0));
        let mode = h.mode().ok();
        let symlink = h.entry_type().is_symlink();
        let placed = super::special::place(h, &target, super::local::is_root())
            .map_err(|e| arch(format!("{container}: {e}")))?;
        match placed {
            super::special::Placed::Skipped => continue,
            super::special::Placed::Created => {}
            super::special::Placed::NotSpecial => {
                entry
                    .unpack(&target)
                    .map_err(|e| arch(format!("{container}: {e}")))?;
            }
        }
        if owner.is_some() {
            finish(action, &target, &container, owner, -1)?;
        } else if keep_owners {
            let id = |x: u64| u32::try_from(x).unwrap_or(0);
            fsutil::chown_if_permitted(&target, id(ids.0), id(ids.1))
                .map_err(|e| arch(format!("{container}: {e}")))?;
            // chown clears set-id bits; put the archive's mode back.
            if let (false, Some(m)) = (symlink, mode) {
                fs::set_permissions(&target, fs::Permissions::from_mode(m & 0o7777))
                    .map_err(|e| arch(format!("{container}: {e}")))?;
            }
        }
    }
    Ok(true)
}
