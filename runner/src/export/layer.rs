//! Layer tarballs from snapshot trees: the whole tree, or the changes from a
//! lower tree (added and changed entries plus `.wh.` whiteouts for removed
//! ones, as the OCI image spec defines). Output is deterministic: entries in
//! byte order, numeric owners only, no user/group names, times clamped to
//! `SOURCE_DATE_EPOCH` when given. The tar is hashed (diff id) and compressed
//! (gzip or zstd; blob digest) in one pass into a blob file.

use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use llb_schema::Digest;
use sha2::{Digest as _, Sha256};

/// Layer compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No compression (`application/vnd.oci.image.layer.v1.tar`).
    None,
    /// gzip (`...tar+gzip`).
    Gzip,
    /// zstd (`...tar+zstd`).
    Zstd,
}

impl Compression {
    /// The OCI media type of a layer with this compression.
    pub fn media_type(self) -> &'static str {
        match self {
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }

    /// BuildKit's `compression=` names: `uncompressed`, `gzip`, `zstd`.
    pub fn parse(name: &str) -> Result<Compression, String> {
        match name {
            "uncompressed" => Ok(Compression::None),
            "gzip" => Ok(Compression::Gzip),
            "zstd" => Ok(Compression::Zstd),
            other => Err(format!(
                "compression={other:?}: expected uncompressed, gzip or zstd"
            )),
        }
    }

    /// Checks a `compression-level=` for this compression: gzip 0-9, zstd 1-22.
    pub fn check_level(self, level: i32) -> Result<(), String> {
        let (lo, hi) = match self {
            Compression::None => {
                return Err("compression-level needs compression=gzip or zstd".into())
            }
            Compression::Gzip => (0, 9),
            Compression::Zstd => (1, 22),
        };
        if (lo..=hi).contains(&level) {
            Ok(())
        } else {
            Err(format!(
                "compression-level={level}: {} levels are {lo} to {hi}",
                match self {
                    Compression::Gzip => "gzip",
                    _ => "zstd",
                }
            ))
        }
    }
}

/// zstd's default level (as `zstd` and BuildKit use when none is given).
const ZSTD_DEFAULT_LEVEL: i32 = 3;

/// A written layer blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerBlob {
    /// Digest of the blob (compressed bytes).
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
    /// Digest of the uncompressed tar (the config's `rootfs.diff_ids`).
    pub diff_id: Digest,
    /// Media type.
    pub media_type: String,
    /// Entries in the tar (0: the layer changes nothing).
    pub entries: u64,
}

/// A writer that hashes and counts what passes through.
pub(crate) struct HashWriter<W> {
    pub inner: W,
    pub hash: Sha256,
    pub count: u64,
}

impl<W: Write> HashWriter<W> {
    pub fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hash: Sha256::new(),
            count: 0,
        }
    }
    pub fn digest(&self) -> Digest {
        Digest::from_bytes(self.hash.clone().finalize().into())
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the layer of `upper` (relative to `lower`, if any) to `out`.
pub fn write_layer(
    upper: &Path,
    lower: Option<&Path>,
    epoch: Option<i64>,
    compression: Compression,
    out: &Path,
) -> io::Result<LayerBlob> {
    write_layer_at(upper, lower, epoch, compression, None, out)
}

/// [`write_layer`] at a compression level (`None`: the compression's default; a
/// level outside [`Compression::check_level`]'s range is an error).
pub fn write_layer_at(
    upper: &Path,
    lower: Option<&Path>,
    epoch: Option<i64>,
    compression: Compression,
    level: Option<i32>,
    out: &Path,
) -> io::Result<LayerBlob> {
    if let Some(l) = level {
        compression
            .check_level(l)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    }
    let mut pending = Pending::default();
    let file = io::BufWriter::new(fs::File::create(out)?);
    let outer = HashWriter::new(file);
    let (outer, diff_id) = match compression {
        Compression::Gzip => {
            let level = level.map_or(flate2::Compression::default(), |l| {
                flate2::Compression::new(l as u32)
            });
            let gz = flate2::GzBuilder::new().write(outer, level);
            let mut b = tar::Builder::new(HashWriter::new(gz));
            walk(&mut b, upper, lower, "", epoch, &mut pending)?;
            let inner = b.into_inner()?;
            let diff_id = inner.digest();
            (inner.inner.finish()?, diff_id)
        }
        Compression::Zstd => {
            // Single-threaded, no content size in the frame header (a stream): the
            // bytes depend only on the tar and the level.
            let mut zs =
                zstd::stream::write::Encoder::new(outer, level.unwrap_or(ZSTD_DEFAULT_LEVEL))?;
            zs.include_checksum(false)?;
            let mut b = tar::Builder::new(HashWriter::new(zs));
            walk(&mut b, upper, lower, "", epoch, &mut pending)?;
            let inner = b.into_inner()?;
            let diff_id = inner.digest();
            (inner.inner.finish()?, diff_id)
        }
        Compression::None => {
            let mut b = tar::Builder::new(outer);
            walk(&mut b, upper, lower, "", epoch, &mut pending)?;
            let inner = b.into_inner()?;
            let d = inner.digest();
            (inner, d)
        }
    };
    let digest = outer.digest();
    let size = outer.count;
    outer
        .inner
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(LayerBlob {
        digest,
        size,
        diff_id,
        media_type: compression.media_type().to_string(),
        entries: pending.count,
    })
}

fn header_for(md: &fs::Metadata, epoch: Option<i64>) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_mode(md.mode() & 0o7777);
    h.set_uid(md.uid() as u64);
    h.set_gid(md.gid() as u64);
    let mut t = md.mtime().max(0);
    if let Some(e) = epoch {
        t = t.min(e.max(0));
    }
    h.set_mtime(t as u64);
    h
}

fn differs(a: &Path, b: &Path) -> io::Result<bool> {
    let (ma, mb) = (fs::symlink_metadata(a)?, fs::symlink_metadata(b)?);
    // One inode (a snapshot made from an overlay shares unchanged entries with its
    // input): nothing to compare.
    if !ma.is_dir() && ma.dev() == mb.dev() && ma.ino() == mb.ino() {
        return Ok(false);
    }
    if ma.file_type() != mb.file_type()
        || ma.mode() != mb.mode()
        || ma.uid() != mb.uid()
        || ma.gid() != mb.gid()
    {
        return Ok(true);
    }
    if ma.is_file() {
        return Ok(ma.len() != mb.len()
            || ma.mtime() != mb.mtime()
            || crate::store::tree::file_digest(a)? != crate::store::tree::file_digest(b)?);
    }
    if ma.file_type().is_symlink() {
        return Ok(fs::read_link(a)? != fs::read_link(b)?);
    }
    Ok(!ma.is_dir() && ma.rdev() != mb.rdev())
}

/// Directory headers not written yet: an unchanged directory is written
/// only when something inside it is, so a layer carries the parents of its
/// changes and nothing more.
#[derive(Default)]
struct Pending {
    dirs: Vec<(String, tar::Header)>,
    /// First tar path of each multiply-linked file, by (device, inode).
    links: std::collections::HashMap<(u64, u64), String>,
    /// Entries written so far.
    count: u64,
}

fn flush<W: Write>(b: &mut tar::Builder<W>, pending: &mut Pending) -> io::Result<()> {
    for (p, mut h) in pending.dirs.drain(..) {
        pending.count += 1;
        b.append_data(&mut h, p, io::empty())?;
    }
    Ok(())
}

fn walk<W: Write>(
    b: &mut tar::Builder<W>,
    upper: &Path,
    lower: Option<&Path>,
    rel: &str,
    epoch: Option<i64>,
    pending: &mut Pending,
) -> io::Result<()> {
    let mut names: Vec<Vec<u8>> = fs::read_dir(upper)?
        .map(|e| e.map(|e| e.file_name().as_bytes().to_vec()))
        .collect::<io::Result<_>>()?;
    if let Some(l) = lower {
        if l.is_dir() {
            for e in fs::read_dir(l)? {
                let n = e?.file_name().as_bytes().to_vec();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    names.sort();
    for name in names {
        let os = std::ffi::OsStr::from_bytes(&name);
        let child_rel = if rel.is_empty() {
            String::from_utf8_lossy(&name).into_owned()
        } else {
            format!("{rel}/{}", String::from_utf8_lossy(&name))
        };
        let up = upper.join(os);
        let low = lower.map(|l| l.join(os));
        let Ok(md) = fs::symlink_metadata(&up) else {
            // Only in lower: removed.
            let wh = match rel.is_empty() {
                true => format!(".wh.{}", String::from_utf8_lossy(&name)),
                false => format!("{rel}/.wh.{}", String::from_utf8_lossy(&name)),
            };
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_size(0);
            h.set_mtime(epoch.unwrap_or(0).max(0) as u64);
            flush(b, pending)?;
            pending.count += 1;
            b.append_data(&mut h, wh, io::empty())?;
            continue;
        };
        let low_md = low.as_ref().and_then(|l| fs::symlink_metadata(l).ok());
        let both_dirs = md.is_dir() && low_md.as_ref().is_some_and(|m| m.is_dir());
        let changed = match (&low, &low_md) {
            (Some(l), Some(_)) => differs(l, &up)?,
            _ => true,
        };
        let mut h = header_for(&md, epoch);
        let ft = md.file_type();
        if md.is_dir() {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_size(0);
            let depth = pending.dirs.len();
            pending.dirs.push((format!("{child_rel}/"), h));
            if changed || !both_dirs {
                flush(b, pending)?;
            }
            walk(
                b,
                &up,
                if both_dirs { low.as_deref() } else { None },
                &child_rel,
                epoch,
                pending,
            )?;
            pending.dirs.truncate(depth);
            continue;
        }
        if !changed {
            continue;
        }
        flush(b, pending)?;
        pending.count += 1;
        if ft.is_symlink() {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, &child_rel, fs::read_link(&up)?)?;
        } else if ft.is_file()
            && md.nlink() > 1
            && pending.links.contains_key(&(md.dev(), md.ino()))
        {
            let first = pending.links[&(md.dev(), md.ino())].clone();
            h.set_entry_type(tar::EntryType::Link);
            h.set_size(0);
            b.append_link(&mut h, &child_rel, first)?;
        } else if ft.is_file() {
            if md.nlink() > 1 {
                pending
                    .links
                    .insert((md.dev(), md.ino()), child_rel.clone());
            }
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(md.len());
            b.append_data(&mut h, &child_rel, fs::File::open(&up)?)?;
        } else {
            let kind = if ft.is_block_device() {
                tar::EntryType::Block
            } else if ft.is_char_device() {
                tar::EntryType::Char
            } else if ft.is_fifo() {
                tar::EntryType::Fifo
            } else {
                continue; // Sockets are not stored in layers.
            };
            h.set_entry_type(kind);
            h.set_size(0);
            let dev = md.rdev();
            h.set_device_major(libc::major(dev))?;
            h.set_device_minor(libc::minor(dev))?;
            b.append_data(&mut h, &child_rel, io::empty())?;
        }
    }
    Ok(())
}
