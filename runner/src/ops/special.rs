//! Tar entries that are neither files, directories nor links, as image layers and ADD
//! archives carry them: character and block devices and FIFOs. The tar crate would
//! write them as empty regular files; dfc places them as containerd does when BuildKit
//! applies a layer: as root a device is created as a device (`mknod`) with the entry's
//! numbers, owner, mode and time; without root it is skipped (no device can be created
//! outside a user namespace with its own devices, and containerd skips them the same
//! way in a user namespace); a FIFO is always created.
//!
//! Also the check of whiteout names: `.wh.NAME` must name an entry (`.wh.`, `.wh..` and
//! `.wh...` would remove the directory itself or its parent).
//!
//! What it does not do: resolve where an entry goes (the callers resolve the parent
//! inside the root), or apply whiteouts.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::fsutil;

/// What [`place`] did with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// Not a device or FIFO: the caller unpacks it.
    NotSpecial,
    /// Created at the target.
    Created,
    /// A device without root: left out.
    Skipped,
}

/// Creates the device or FIFO that `h` describes at `target` (which must not exist);
/// `as_root` says whether devices can be made and owners set.
pub fn place(h: &tar::Header, target: &Path, as_root: bool) -> io::Result<Placed> {
    let kind = h.entry_type();
    let file_type = if kind.is_character_special() {
        libc::S_IFCHR
    } else if kind.is_block_special() {
        libc::S_IFBLK
    } else if kind.is_fifo() {
        libc::S_IFIFO
    } else {
        return Ok(Placed::NotSpecial);
    };
    if file_type != libc::S_IFIFO && !as_root {
        return Ok(Placed::Skipped);
    }
    // Unreadable numeric fields count as 0, as Go's archive/tar reads them (writers
    // leave the device fields of a FIFO empty).
    let major = h.device_major().ok().flatten().unwrap_or(0);
    let minor = h.device_minor().ok().flatten().unwrap_or(0);
    let mode = h.mode().unwrap_or(0o644) & 0o7777;
    let c = CString::new(target.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path with NUL byte"))?;
    // SAFETY: a valid C string; mknod does not retain it.
    let rc = unsafe { libc::mknod(c.as_ptr(), file_type | mode, libc::makedev(major, minor)) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    if as_root {
        let id = |x: io::Result<u64>| x.ok().and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
        fsutil::chown_if_permitted(target, id(h.uid()), id(h.gid()))?;
    }
    // mknod's mode went through the umask, and chown clears set-id bits.
    std::fs::set_permissions(target, std::os::unix::fs::PermissionsExt::from_mode(mode))?;
    fsutil::set_mtime(target, h.mtime().map_or(0, |t| t as i64), 0)?;
    Ok(Placed::Created)
}

/// The entry a whiteout name removes (`.wh.NAME` → `NAME`), `None` for other names;
/// an error for a whiteout that names no entry of the directory.
pub fn whiteout_victim(name: &str) -> io::Result<Option<&str>> {
    let Some(victim) = name.strip_prefix(".wh.") else {
        return Ok(None);
    };
    if matches!(victim, "" | "." | "..") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("whiteout {name:?} names no entry (it would remove a directory itself)"),
        ));
    }
    Ok(Some(victim))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    fn header(kind: tar::EntryType, major: u32, minor: u32) -> tar::Header {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_mode(0o640);
        h.set_size(0);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        h.set_mtime(1_000_000);
        h
    }

    #[test]
    fn devices_are_made_as_root_and_skipped_without() {
        let t = tempfile::tempdir().unwrap();
        let null = header(tar::EntryType::Char, 1, 3);
        let p = t.path().join("null");
        assert_eq!(place(&null, &p, false).unwrap(), Placed::Skipped);
        assert!(std::fs::symlink_metadata(&p).is_err());
        let fifo = t.path().join("fifo");
        assert_eq!(
            place(&header(tar::EntryType::Fifo, 0, 0), &fifo, false).unwrap(),
            Placed::Created
        );
        let md = std::fs::symlink_metadata(&fifo).unwrap();
        assert!(md.file_type().is_fifo());
        assert_eq!((md.mode() & 0o7777, md.mtime()), (0o640, 1_000_000));
        let file = header(tar::EntryType::Regular, 0, 0);
        assert_eq!(
            place(&file, &t.path().join("f"), true).unwrap(),
            Placed::NotSpecial
        );
        if crate::ops::running_as_root() {
            assert_eq!(place(&null, &p, true).unwrap(), Placed::Created);
            let md = std::fs::symlink_metadata(&p).unwrap();
            assert!(md.file_type().is_char_device());
            assert_eq!(md.rdev(), libc::makedev(1, 3));
            let blk = t.path().join("loop0");
            place(&header(tar::EntryType::Block, 7, 0), &blk, true).unwrap();
            assert!(std::fs::symlink_metadata(&blk)
                .unwrap()
                .file_type()
                .is_block_device());
        }
    }

    #[test]
    fn whiteouts_must_name_an_entry() {
        assert_eq!(whiteout_victim(".wh.a").unwrap(), Some("a"));
        assert_eq!(whiteout_victim("a").unwrap(), None);
        for bad in [".wh.", ".wh..", ".wh..."] {
            assert!(whiteout_victim(bad).is_err(), "{bad}");
        }
    }
}
