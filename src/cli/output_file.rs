//! Output files (`-o type=oci|docker|tar,dest=FILE`) that appear whole or not at all,
//! even when dfc is killed: the bytes go to an unnamed file (`O_TMPFILE`) in the
//! destination's directory, which gets a name only once complete (linked in under a
//! temporary name, then renamed over the destination). A kill while writing leaves
//! nothing behind. Where the filesystem has no `O_TMPFILE`, a named temporary file is
//! written instead (a kill may then leave a `.tmpXXXX` beside the destination, never a
//! partial file under its name).
//!
//! What it does not do: write to standard output (the caller streams `-` directly).

use std::ffi::CString;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// A file being written for a destination in `dir`.
pub(crate) enum OutputFile {
    Unnamed { file: fs::File, dir: PathBuf },
    Named(tempfile::NamedTempFile),
}

impl OutputFile {
    /// A new, empty output file in `dir`.
    pub(crate) fn create(dir: &Path) -> io::Result<OutputFile> {
        match fs::OpenOptions::new()
            .write(true)
            .mode(0o666)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
        {
            Ok(file) => Ok(OutputFile::Unnamed {
                file,
                dir: dir.to_path_buf(),
            }),
            // No O_TMPFILE on this filesystem (or kernel).
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR)) => {
                Ok(OutputFile::Named(tempfile::NamedTempFile::new_in(dir)?))
            }
            Err(e) => Err(e),
        }
    }

    /// Gives the complete file the name `dest` (replacing what was there) in one rename.
    pub(crate) fn persist(self, dest: &Path) -> io::Result<()> {
        match self {
            OutputFile::Named(t) => t.persist(dest).map(drop).map_err(|e| e.error),
            OutputFile::Unnamed { file, dir } => {
                let proc_path = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))
                    .expect("no NUL in a number");
                let named = tempfile::Builder::new().make_in(&dir, |path| {
                    let to = CString::new(path.as_os_str().as_bytes())
                        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
                    // SAFETY: valid C strings; linkat does not retain them.
                    let rc = unsafe {
                        libc::linkat(
                            libc::AT_FDCWD,
                            proc_path.as_ptr(),
                            libc::AT_FDCWD,
                            to.as_ptr(),
                            libc::AT_SYMLINK_FOLLOW,
                        )
                    };
                    if rc == 0 {
                        Ok(())
                    } else {
                        Err(io::Error::last_os_error())
                    }
                })?;
                named.persist(dest).map(drop).map_err(|e| e.error)
            }
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            OutputFile::Unnamed { file, .. } => file.write(buf),
            OutputFile::Named(t) => t.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            OutputFile::Unnamed { file, .. } => file.flush(),
            OutputFile::Named(t) => t.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_named_until_persisted_and_then_all_at_once() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("out.tar");
        fs::write(&dest, "old").unwrap();
        let mut f = OutputFile::create(t.path()).unwrap();
        f.write_all(b"new content").unwrap();
        let names = || {
            let mut v: Vec<String> = fs::read_dir(t.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(), ["out.tar"]);
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        f.persist(&dest).unwrap();
        assert_eq!(names(), ["out.tar"]);
        assert_eq!(fs::read(&dest).unwrap(), b"new content");
        // Dropped before persisting (as when the export fails): nothing appears.
        let mut f = OutputFile::create(t.path()).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(names(), ["out.tar"]);
        assert_eq!(fs::read(&dest).unwrap(), b"new content");
    }
}
