//! Writable views of snapshots without copying them: an overlayfs mount whose lower
//! layer is the (immutable) input snapshot and whose upper layer is an empty directory
//! in the step's staging area; after the process ran, the upper layer (the step's diff:
//! new and changed entries, whiteouts, opaque directories) is applied onto a tree of
//! hard links to the lower snapshot, which is then committed like any staged tree.
//!
//! Sharing inodes between snapshots is safe because a published snapshot is never
//! written: a process writes through the overlay (copy-up into the upper layer), and
//! other ops copy their inputs before changing them.
//!
//! Overlays are mounted in a mount namespace private to the mounting thread (made on
//! its first overlay, a slave of the host's so host mounts still show), never in the
//! host's: when the process dies, even by SIGKILL, its namespaces and their mounts go
//! with it, so a killed build cannot leave an overlay mounted under the store.
//!
//! What it does not do: decide when to use overlays (exec ops try one and fall back to
//! copying when the mount is refused: not root, no overlayfs, an unusable path), or
//! keep layered snapshots on disk (a committed snapshot is always a whole tree).

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::fsutil::{apply_metadata, copy_entry, remove_all};

/// A mounted overlay; unmounted on drop.
#[derive(Debug)]
pub struct Overlay {
    /// The input snapshot (read-only lower layer).
    pub lower: PathBuf,
    /// The upper layer: what the process changed.
    pub upper: PathBuf,
    /// The merged view the process sees.
    pub merged: PathBuf,
    mounted: bool,
    /// Mounted with `userxattr`: opaque directories carry user.overlay.opaque.
    userxattr: bool,
}

fn cstr(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path with NUL byte"))
}

thread_local! {
    /// Whether this thread has left the host's mount namespace.
    static PRIVATE_MOUNTS: Cell<bool> = const { Cell::new(false) };
}

/// Moves the calling thread (and the processes it spawns later) into a mount namespace
/// of its own whose mounts do not propagate back to the host's (`MS_SLAVE`: host
/// mounts still propagate in). Done once per thread; the namespace, and every mount in
/// it, is released when its last thread or process exits, however it exits.
fn private_mount_namespace() -> io::Result<()> {
    if PRIVATE_MOUNTS.get() {
        return Ok(());
    }
    // SAFETY: unshare only changes this thread's namespaces (CLONE_NEWNS implies
    // CLONE_FS, which a thread may unshare); no memory is passed.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
        return Err(io::Error::last_os_error());
    }
    PRIVATE_MOUNTS.set(true);
    let root = CString::new("/").expect("static");
    // SAFETY: a valid C string and null pointers where mount(2) allows them.
    let rc = unsafe {
        libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_SLAVE,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

impl Overlay {
    /// Mounts `lower` writable at `<dir>/merged` (`dir` inside the store's staging
    /// area, so the upper layer is on the snapshots' filesystem). `dir` must not exist.
    /// The mount is made in the calling thread's private mount namespace (see the
    /// module's documentation): use the view from this thread and processes it spawns.
    pub fn mount(lower: &Path, dir: &Path) -> io::Result<Overlay> {
        let lower_s = lower.as_os_str().as_bytes();
        let dir_s = dir.as_os_str().as_bytes();
        if lower_s
            .iter()
            .chain(dir_s)
            .any(|b| matches!(b, b',' | b':' | b'\\'))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a path with ',', ':' or '\\' cannot be an overlay mount option",
            ));
        }
        let md = fs::symlink_metadata(lower)?;
        if !md.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an overlay's lower layer must be a directory",
            ));
        }
        private_mount_namespace()?;
        fs::create_dir(dir)?;
        let (upper, work, merged) = (dir.join("upper"), dir.join("work"), dir.join("merged"));
        for d in [&upper, &work, &merged] {
            fs::create_dir(d)?;
        }
        // The merged root takes the upper root's owner and mode.
        apply_metadata(&upper, &md)?;
        // No redirects, metadata-only copy-ups or index: every change is then a plain
        // entry, whiteout or opaque directory in the upper layer. In a user namespace
        // (rootless) overlayfs cannot use trusted.* xattrs: `userxattr` keeps its marks
        // in user.overlay.* and implies no redirects and no metacopy.
        let userxattr = crate::userns::in_user_namespace();
        let options = if userxattr {
            "userxattr,index=off"
        } else {
            "redirect_dir=off,metacopy=off,index=off"
        };
        let data = format!(
            "lowerdir={},upperdir={},workdir={},{options}",
            lower.display(),
            upper.display(),
            work.display()
        );
        let data = CString::new(data)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path with NUL byte"))?;
        let target = cstr(&merged)?;
        let fstype = CString::new("overlay").expect("static");
        // SAFETY: valid C strings that outlive the call; mount does not retain them.
        let rc = unsafe {
            libc::mount(
                fstype.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                0,
                data.as_ptr().cast(),
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Overlay {
            lower: lower.to_path_buf(),
            upper,
            merged,
            mounted: true,
            userxattr,
        })
    }

    /// Unmounts the merged view (the upper layer stays).
    pub fn unmount(&mut self) -> io::Result<()> {
        if !self.mounted {
            return Ok(());
        }
        let target = cstr(&self.merged)?;
        // SAFETY: valid C string; umount2 does not retain it.
        let rc = unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        self.mounted = false;
        Ok(())
    }

    /// Unmounts, then writes the resulting tree at `dest` (which must not exist): hard
    /// links to the lower snapshot's entries with the upper layer applied.
    pub fn materialize(mut self, dest: &Path) -> io::Result<()> {
        self.unmount()?;
        link_tree(&self.lower, dest)?;
        let mut links = HashMap::new();
        let opaque = if self.userxattr {
            "user.overlay.opaque"
        } else {
            "trusted.overlay.opaque"
        };
        apply_upper(&self.upper, dest, opaque, &mut links)?;
        apply_metadata(dest, &fs::symlink_metadata(&self.upper)?)
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = self.unmount();
    }
}

/// Detaches every mount at or below `dir` in the calling thread's mount namespace
/// (overlays that builds of older versions, which mounted in the host's namespace, left
/// under the store's `tmp/` when killed), deepest first; returns how many.
pub fn detach_mounts_under(dir: &Path) -> io::Result<usize> {
    let info = fs::read_to_string("/proc/thread-self/mountinfo")?;
    let mut points: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape_mount_point(p)))
        .filter(|p| p.starts_with(dir))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for p in &points {
        let c = cstr(p)?;
        // SAFETY: valid C string; umount2 does not retain it.
        if unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(points.len())
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape_mount_point(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        if let (b'\\', Some(d)) = (b[i], octal) {
            let v = d.iter().fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A tree at `dst` whose directories are new (with `src`'s metadata) and whose other
/// entries are hard links to `src`'s.
pub fn link_tree(src: &Path, dst: &Path) -> io::Result<()> {
    let md = fs::symlink_metadata(src)?;
    if !md.is_dir() {
        return fs::hard_link(src, dst);
    }
    fs::create_dir(dst)?;
    let mut names: Vec<_> = fs::read_dir(src)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()?;
    names.sort();
    for name in names {
        link_tree(&src.join(&name), &dst.join(&name))?;
    }
    apply_metadata(dst, &md)
}

/// overlayfs marks a directory that hides the lower one's contents with the xattr
/// `xattr` (trusted.overlay.opaque, or user.overlay.opaque under `userxattr`).
fn is_opaque(dir: &Path, xattr: &str) -> io::Result<bool> {
    let path = cstr(dir)?;
    let name = CString::new(xattr)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "xattr name with NUL byte"))?;
    let mut value = [0u8; 4];
    // SAFETY: valid C strings and a buffer of the length passed.
    let n = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_mut_ptr().cast(),
            value.len(),
        )
    };
    if n < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENODATA) | Some(libc::ENOTSUP) => Ok(false),
            _ => Err(e),
        };
    }
    Ok(&value[..n as usize] == b"y")
}

/// Applies the upper layer directory `upper` onto the tree directory `dest`: whiteouts
/// (character devices 0/0) remove, opaque directories replace, other entries replace
/// or are added (moved out of the upper layer, which is discarded afterwards); hard
/// links among upper entries are kept.
fn apply_upper(
    upper: &Path,
    dest: &Path,
    opaque: &str,
    links: &mut HashMap<(u64, u64), PathBuf>,
) -> io::Result<()> {
    let mut names: Vec<_> = fs::read_dir(upper)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()?;
    names.sort();
    for name in names {
        let (up, dp) = (upper.join(&name), dest.join(&name));
        let md = fs::symlink_metadata(&up)?;
        let ft = md.file_type();
        if ft.is_char_device() && md.rdev() == 0 {
            remove_all(&dp)?;
            continue;
        }
        if ft.is_dir() {
            let keep = !is_opaque(&up, opaque)?
                && fs::symlink_metadata(&dp).is_ok_and(|existing| existing.is_dir());
            if !keep {
                remove_all(&dp)?;
                fs::create_dir(&dp)?;
            }
            apply_upper(&up, &dp, opaque, links)?;
            apply_metadata(&dp, &md)?;
            continue;
        }
        remove_all(&dp)?;
        if ft.is_file() && md.nlink() > 1 {
            if let Some(first) = links.get(&(md.dev(), md.ino())) {
                fs::hard_link(first, &dp)?;
                continue;
            }
            links.insert((md.dev(), md.ino()), dp.clone());
        }
        if fs::rename(&up, &dp).is_err() {
            copy_entry(&up, &dp, &md)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::unescape_mount_point;

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape_mount_point("/a\\040b\\134c"), "/a b\\c");
        assert_eq!(unescape_mount_point("/x\\777\\04"), "/x\\777\\04");
    }
}
