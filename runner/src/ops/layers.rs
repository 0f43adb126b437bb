//! Applying image layers onto a root filesystem: tar (plain, gzip or zstd)
//! entries placed safely, with OCI whiteouts (`.wh.NAME` removes NAME,
//! `.wh..wh..opq` empties a directory of what lower layers put there).
//! Entries with `..` are rejected; absolute names are taken relative to the
//! root; parents are resolved inside the root so a symlink from an earlier
//! entry cannot send a later one outside it; hard links name a path inside the
//! root (resolved there, last component not followed). Owners, modes and times
//! are kept. Devices and FIFOs are placed by `special.rs` (devices only as
//! root); a whiteout that names no entry (`.wh..`) is refused.

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use crate::fsutil::{self, resolve_in_root};

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Opens a layer blob, choosing the decompressor by its magic bytes.
fn open(blob: &Path) -> io::Result<Box<dyn Read>> {
    let mut head = [0u8; 4];
    let n = fs::File::open(blob)?.read(&mut head)?;
    let f = BufReader::new(fs::File::open(blob)?);
    Ok(if n >= 2 && head[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(f))
    } else if n == 4 && head == [0x28, 0xb5, 0x2f, 0xfd] {
        Box::new(ruzstd::decoding::StreamingDecoder::new(f).map_err(|e| bad(format!("zstd: {e}")))?)
    } else {
        Box::new(f)
    })
}

/// The entry's path as root-relative components, or an error for `..`.
fn components(p: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(x) => out.push(x.to_string_lossy().into_owned()),
            Component::CurDir | Component::RootDir => {}
            _ => return Err(bad(format!("layer entry {} uses '..'", p.display()))),
        }
    }
    Ok(out)
}

/// In a rootless build, refuses an entry whose owner does not exist in the user
/// namespace (chown would fail with a bare EINVAL) with an error naming the fix.
fn check_owner<R: io::Read>(entry: &tar::Entry<'_, R>, path: &str) -> io::Result<()> {
    if !crate::ops::running_as_root() || !crate::userns::in_user_namespace() {
        return Ok(());
    }
    let h = entry.header();
    let (uid, gid) = (h.uid()?, h.gid()?);
    let (Ok(uid), Ok(gid)) = (u32::try_from(uid), u32::try_from(gid)) else {
        return Err(bad(format!(
            "layer entry {path} has an owner beyond 32 bits"
        )));
    };
    if crate::userns::IdMap::current().maps(uid, gid) {
        return Ok(());
    }
    Err(crate::userns::unmapped_owner(
        &format!("layer entry {path}"),
        uid,
        gid,
    ))
}

/// Applies the layer blob at `blob` onto `root`.
pub fn apply_layer(root: &Path, blob: &Path) -> io::Result<()> {
    let mut ar = tar::Archive::new(open(blob)?);
    ar.set_preserve_permissions(true);
    let as_root = crate::ops::running_as_root();
    ar.set_preserve_ownerships(as_root);
    ar.set_preserve_mtime(true);
    ar.set_overwrite(true);
    let mut written: HashSet<PathBuf> = HashSet::new();
    for entry in ar.entries()? {
        let mut entry = entry?;
        let comps = components(&entry.path()?)?;
        let Some((name, parents)) = comps.split_last() else {
            continue;
        };
        let parent_c = format!("/{}", parents.join("/"));
        let parent = resolve_in_root(root, &parent_c, true)?;
        if !parent.is_dir() {
            fs::create_dir_all(&parent)?;
        }
        if name == ".wh..wh..opq" {
            for e in fs::read_dir(&parent)? {
                let p = e?.path();
                if !written.contains(&p) {
                    fsutil::remove_all(&p)?;
                }
            }
            continue;
        }
        if let Some(victim) = super::special::whiteout_victim(name)? {
            fsutil::remove_all(&parent.join(victim))?;
            continue;
        }
        let target = parent.join(name);
        let kind = entry.header().entry_type();
        check_owner(&entry, &format!("/{}", comps.join("/")))?;
        if let Ok(md) = fs::symlink_metadata(&target) {
            if !(md.is_dir() && kind.is_dir()) {
                fsutil::remove_all(&target)?;
            }
        }
        if kind.is_hard_link() {
            let link = entry
                .link_name()?
                .ok_or_else(|| bad("hard link without a target".into()))?;
            let lc = components(&link)?;
            let from = resolve_in_root(root, &format!("/{}", lc.join("/")), false)?;
            fs::hard_link(&from, &target).map_err(|e| {
                let why = if e.kind() == io::ErrorKind::NotFound {
                    "no such entry in the image (links are resolved inside it)".to_string()
                } else {
                    e.to_string()
                };
                bad(format!(
                    "hard link {} -> {}: {why}",
                    comps.join("/"),
                    link.display()
                ))
            })?;
        } else if super::special::place(entry.header(), &target, as_root)?
            == super::special::Placed::NotSpecial
        {
            entry.unpack(&target)?;
        }
        written.insert(target);
    }
    Ok(())
}
