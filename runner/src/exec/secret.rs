//! What an executor gets for an exec op's secrets ([`ExecSecrets`]), and the
//! after-fork half of mounting them.
//!
//! The namespace executor mounts one small tmpfs on [`ExecSecrets::staging`] (an empty
//! directory in the step's staging area) *after* entering the container's new,
//! private mount namespace, writes each secret file into it ([`write_file`], system
//! calls only), and bind-mounts each file read-only (nodev, nosuid, and noexec unless
//! the mode has an execute bit, as BuildKit mounts them) onto its target in the rootfs.
//! The host never sees the tmpfs (the staging directory stays empty there), the mount
//! goes away with the namespace however the build ends (a SIGKILLed build leaves
//! nothing mounted and no secret on disk), and the target's mount point is removed
//! from the rootfs after the step like every other mount stub, so no snapshot holds it.
//!
//! What it does not do: look secrets up (`ops/secret.rs`) or decide mount order (the
//! executor mounts each file after the [`after`](SecretFile::after) first op mounts).

use std::ffi::CStr;
use std::path::PathBuf;

use crate::secrets::SecretBytes;

/// One secret file to mount into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFile {
    /// Container path of the file.
    pub dest: String,
    /// Its content.
    pub data: SecretBytes,
    /// Owner uid and gid (container ids).
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Permission bits (`& 0o777`).
    pub mode: u32,
    /// How many of [`ExecSpec::mounts`](super::ExecSpec::mounts) come before it in the
    /// op, so mounts keep the op's order.
    pub after: usize,
}

/// The secrets of one exec op.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecSecrets {
    /// An empty host directory, outside the rootfs, for the secrets' tmpfs (mounted
    /// only inside the container's mount namespace). Unused when there are no files.
    pub staging: PathBuf,
    /// Secret files, in op order.
    pub files: Vec<SecretFile>,
    /// `meta.secretenv`: variables set to a secret's value in the process environment
    /// only (after the op's own environment, as BuildKit appends them).
    pub env: Vec<(String, SecretBytes)>,
}

impl ExecSecrets {
    /// The tmpfs mount data for the staging directory: private to root, sized for the
    /// files (a page of slack each).
    pub(super) fn tmpfs_data(&self) -> String {
        let bytes: usize = self.files.iter().map(|f| f.data.len() + 8192).sum();
        format!("mode=0700,size={}", bytes + 65536)
    }
}

/// The extra flags of a secret file's read-only bind mount.
pub(super) fn bind_flags(mode: u32) -> libc::c_ulong {
    let exec = if mode & 0o111 == 0 {
        libc::MS_NOEXEC
    } else {
        0
    };
    libc::MS_NODEV | libc::MS_NOSUID | exec
}

/// Writes `data` to a new file at `path` owned by `uid:gid` with `mode`; true on
/// success. Only system calls: this runs between fork and exec.
///
/// # Safety
/// `path` must be a valid C string; the caller is the forked container process.
pub(super) unsafe fn write_file(path: &CStr, data: &[u8], uid: u32, gid: u32, mode: u32) -> bool {
    let fd = libc::open(
        path.as_ptr(),
        libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        0o600 as libc::c_uint,
    );
    if fd < 0 {
        return false;
    }
    let mut done = 0usize;
    while done < data.len() {
        let n = libc::write(fd, data[done..].as_ptr().cast(), data.len() - done);
        if n < 0 {
            if *libc::__errno_location() == libc::EINTR {
                continue;
            }
            libc::close(fd);
            return false;
        }
        done += n as usize;
    }
    let ok =
        libc::fchown(fd, uid, gid) == 0 && libc::fchmod(fd, (mode & 0o777) as libc::mode_t) == 0;
    libc::close(fd) == 0 && ok
}
