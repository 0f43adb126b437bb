//! Content digest of a directory tree: the identity of a snapshot and the
//! content checksum used in cache keys.
//!
//! The digest covers, for every entry in byte order of its path: the path,
//! its type, permission bits (with setuid/setgid/sticky), owner, and the
//! file's content digest, the link's target or the device number. It does
//! not cover mtimes or atimes, as BuildKit's content hashes do not, so two
//! trees that differ only in times share one digest.

use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use llb_schema::Digest;
use sha2::{Digest as _, Sha256};

/// SHA-256 of a file's bytes.
pub fn file_digest(path: &Path) -> io::Result<Digest> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(Digest::from_bytes(h.finalize().into()))
}

/// Digest of the tree rooted at `root` (which may be a file or link itself).
pub fn tree_digest(root: &Path) -> io::Result<Digest> {
    let mut h = Sha256::new();
    h.update(b"dfc-tree-v1\0");
    walk(root, b"", &mut h)?;
    Ok(Digest::from_bytes(h.finalize().into()))
}

/// Digest of several subtrees of one snapshot, each under its label (the
/// selector that chose it). Missing paths hash as absent, so a cache key
/// changes when a selected path appears.
pub fn selection_digest<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a Path)>,
) -> io::Result<Digest> {
    let mut h = Sha256::new();
    h.update(b"dfc-selection-v1\0");
    for (label, path) in entries {
        h.update(label.as_bytes());
        h.update([0]);
        match fs::symlink_metadata(path) {
            Ok(_) => h.update(tree_digest(path)?.as_bytes()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => h.update(b"absent"),
            Err(e) => return Err(e),
        }
    }
    Ok(Digest::from_bytes(h.finalize().into()))
}

fn walk(path: &Path, rel: &[u8], h: &mut Sha256) -> io::Result<()> {
    let md = fs::symlink_metadata(path)?;
    let ft = md.file_type();
    h.update(rel);
    h.update([0]);
    let kind = if ft.is_dir() {
        b'd'
    } else if ft.is_file() {
        b'f'
    } else if ft.is_symlink() {
        b'l'
    } else if ft.is_block_device() {
        b'b'
    } else if ft.is_char_device() {
        b'c'
    } else if ft.is_fifo() {
        b'p'
    } else {
        b's'
    };
    h.update([kind]);
    let mode = if ft.is_symlink() {
        0
    } else {
        md.mode() & 0o7777
    };
    h.update(mode.to_le_bytes());
    h.update(md.uid().to_le_bytes());
    h.update(md.gid().to_le_bytes());
    match kind {
        b'f' => h.update(file_digest(path)?.as_bytes()),
        b'l' => {
            let t = fs::read_link(path)?;
            h.update((t.as_os_str().len() as u64).to_le_bytes());
            h.update(t.as_os_str().as_bytes());
        }
        b'b' | b'c' => h.update(md.rdev().to_le_bytes()),
        b'd' => {
            let mut names: Vec<_> = fs::read_dir(path)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<io::Result<_>>()?;
            names.sort();
            for name in names {
                let mut child = rel.to_vec();
                child.push(b'/');
                child.extend_from_slice(name.as_bytes());
                walk(&path.join(&name), &child, h)?;
            }
            // End-of-directory marker keeps `a/` + `b` distinct from `a/b`.
            h.update(b"\0..\0");
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn digest_ignores_mtime_but_not_mode_or_content() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        fs::create_dir(&a).unwrap();
        fs::write(a.join("f"), b"x").unwrap();
        let d1 = tree_digest(&a).unwrap();
        crate::fsutil::set_mtime(&a.join("f"), 5, 0).unwrap();
        assert_eq!(tree_digest(&a).unwrap(), d1);
        fs::set_permissions(a.join("f"), fs::Permissions::from_mode(0o600)).unwrap();
        let d2 = tree_digest(&a).unwrap();
        assert_ne!(d2, d1);
        fs::write(a.join("f"), b"y").unwrap();
        assert_ne!(tree_digest(&a).unwrap(), d2);
    }
}
