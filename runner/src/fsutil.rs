//! Filesystem primitives the ops share: resolving a path inside a root the way
//! a container sees it (symlinks re-rooted, `..` clamped, so nothing escapes),
//! copying trees with their metadata, setting times and owners on links.
//!
//! What it does not do: decide op semantics (see `ops/`), hash trees (see
//! `store/tree.rs`).

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{lchown, symlink, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// How many symlinks one resolution may follow (Linux's own limit is 40).
const MAX_LINKS: usize = 255;

/// Lexically cleans a container path: absolute, no `.`/`..`/empty components
/// (`..` at the root stays at the root). Returns the components.
pub fn clean_components(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p.to_string()),
        }
    }
    out
}

/// `/a/b` form of a cleaned container path.
pub fn clean_path(path: &str) -> String {
    format!("/{}", clean_components(path).join("/"))
}

/// Resolves `path` (a container path) inside `root` as a process chrooted
/// there would: symlinks are followed with absolute targets taken relative to
/// `root` and `..` never leaves it. The last component is followed only when
/// `follow_last`. Components that do not exist are appended as they are, so
/// the result can name a path to create.
pub fn resolve_in_root(root: &Path, path: &str, follow_last: bool) -> io::Result<PathBuf> {
    let mut todo: Vec<String> = clean_components(path);
    todo.reverse();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0usize;
    while let Some(part) = todo.pop() {
        if part == ".." {
            done.pop();
            continue;
        }
        if part == "." || part.is_empty() {
            continue;
        }
        let is_last = todo.is_empty();
        let mut candidate = root.to_path_buf();
        candidate.extend(&done);
        candidate.push(&part);
        match fs::symlink_metadata(&candidate) {
            Ok(md) if md.file_type().is_symlink() && (follow_last || !is_last) => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("too many levels of symbolic links resolving {path}"),
                    ));
                }
                let target = fs::read_link(&candidate)?;
                let target = target.as_os_str().as_bytes();
                let target = String::from_utf8_lossy(target).into_owned();
                if target.starts_with('/') {
                    done.clear();
                }
                // Push the target's components (raw, `..` kept) in front.
                for p in target.split('/').rev() {
                    todo.push(p.to_string());
                }
            }
            _ => done.push(part),
        }
    }
    let mut out = root.to_path_buf();
    out.extend(&done);
    Ok(out)
}

/// Sets access and modification time of `path` without following a symlink.
pub fn set_mtime(path: &Path, secs: i64, nanos: i64) -> io::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path with NUL byte"))?;
    let ts = libc::timespec {
        tv_sec: secs as libc::time_t,
        tv_nsec: nanos as _,
    };
    let times = [ts, ts];
    // SAFETY: `c` is a valid NUL-terminated string and `times` has two entries.
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Copies the metadata that defines a snapshot entry (owner, mode, mtime)
/// from `md` onto `dst`. Ownership is only applied when running as root or
/// when it would not change anything.
pub fn apply_metadata(dst: &Path, md: &fs::Metadata) -> io::Result<()> {
    chown_if_permitted(dst, md.uid(), md.gid())?;
    if !md.file_type().is_symlink() {
        fs::set_permissions(dst, fs::Permissions::from_mode(md.mode() & 0o7777))?;
    }
    set_mtime(dst, md.mtime(), md.mtime_nsec())
}

/// `lchown`, skipped when we are not root and the owner already matches.
pub fn chown_if_permitted(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    let md = fs::symlink_metadata(path)?;
    if md.uid() == uid && md.gid() == gid {
        return Ok(());
    }
    lchown(path, Some(uid), Some(gid)).map_err(|e| {
        // EINVAL: the owner does not exist in this (rootless) user namespace.
        if e.raw_os_error() == Some(libc::EINVAL) && crate::userns::in_user_namespace() {
            crate::userns::unmapped_owner(&path.display().to_string(), uid, gid)
        } else {
            e
        }
    })
}

/// Copies one non-directory entry (file, symlink, device, fifo, socket) with
/// its metadata. `dst` must not exist.
pub fn copy_entry(src: &Path, dst: &Path, md: &fs::Metadata) -> io::Result<()> {
    let ft = md.file_type();
    if ft.is_symlink() {
        symlink(fs::read_link(src)?, dst)?;
    } else if ft.is_file() {
        fs::copy(src, dst)?;
    } else if ft.is_block_device() || ft.is_char_device() || ft.is_fifo() || ft.is_socket() {
        mknod(dst, md.mode(), md.rdev())?;
    } else if ft.is_dir() {
        fs::create_dir(dst)?;
    }
    apply_metadata(dst, md)
}

fn mknod(path: &Path, mode: u32, dev: u64) -> io::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path with NUL byte"))?;
    // SAFETY: valid C string; mknod does not retain pointers.
    let rc = unsafe { libc::mknod(c.as_ptr(), mode as libc::mode_t, dev as libc::dev_t) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Copies the tree at `src` to `dst` (which must not exist), preserving
/// modes, owners, mtimes, symlinks, special files and hard links between
/// files of the tree. Directory metadata is applied after their contents so
/// mtimes survive.
pub fn copy_tree(src: &Path, dst: &Path) -> io::Result<()> {
    copy_tree_linked(src, dst, &mut std::collections::HashMap::new())
}

fn copy_tree_linked(
    src: &Path,
    dst: &Path,
    links: &mut std::collections::HashMap<(u64, u64), PathBuf>,
) -> io::Result<()> {
    let md = fs::symlink_metadata(src)?;
    if !md.is_dir() {
        if md.is_file() && md.nlink() > 1 {
            if let Some(first) = links.get(&(md.dev(), md.ino())) {
                return fs::hard_link(first, dst);
            }
            links.insert((md.dev(), md.ino()), dst.to_path_buf());
        }
        return copy_entry(src, dst, &md);
    }
    fs::create_dir(dst)?;
    fs::set_permissions(dst, fs::Permissions::from_mode(0o700))?;
    let mut names: Vec<_> = fs::read_dir(src)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()?;
    names.sort();
    for name in names {
        copy_tree_linked(&src.join(&name), &dst.join(&name), links)?;
    }
    apply_metadata(dst, &md)
}

/// Removes whatever is at `path` (file, link or whole tree); absent is fine.
pub fn remove_all(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(md) if md.is_dir() => {
            make_writable_tree(path)?;
            fs::remove_dir_all(path)
        }
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Gives the owner write+exec on every directory so a tree made read-only by
/// its content can still be deleted when not running as root.
fn make_writable_tree(path: &Path) -> io::Result<()> {
    let md = fs::symlink_metadata(path)?;
    if !md.is_dir() {
        return Ok(());
    }
    if md.mode() & 0o700 != 0o700 {
        fs::set_permissions(
            path,
            fs::Permissions::from_mode((md.mode() | 0o700) & 0o7777),
        )?;
    }
    for e in fs::read_dir(path)? {
        make_writable_tree(&e?.path())?;
    }
    Ok(())
}

/// Whether `p` is a plain relative path (no `..`, not absolute).
pub fn is_contained(p: &Path) -> bool {
    p.components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_clamps_and_reroots() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        symlink("/a", root.join("abs")).unwrap();
        symlink("../../../../etc", root.join("a/esc")).unwrap();
        assert_eq!(
            resolve_in_root(root, "/../../a/b", true).unwrap(),
            root.join("a/b")
        );
        assert_eq!(
            resolve_in_root(root, "/abs/b/new", true).unwrap(),
            root.join("a/b/new")
        );
        assert_eq!(
            resolve_in_root(root, "/a/esc/passwd", true).unwrap(),
            root.join("etc/passwd")
        );
        assert_eq!(
            resolve_in_root(root, "/abs", false).unwrap(),
            root.join("abs")
        );
        symlink("loop", root.join("loop")).unwrap();
        assert!(resolve_in_root(root, "/loop/x", true).is_err());
    }
}
