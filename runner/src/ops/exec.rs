//! Exec ops: prepare the root filesystem and mounts from input snapshots,
//! hand the process to the [`Executor`](crate::Executor), and commit the
//! writable mounts that are outputs.
//!
//! Mounts: the `/` mount is a private writable view of its input; other
//! bind mounts are the input snapshot (at its selector) mounted read-only
//! when `readonly`, else a private writable view. A writable view is an
//! overlayfs mount over the snapshot (`store/overlay.rs`), its upper layer
//! applied to hard links of the input to make the output snapshot; when the
//! mount is refused (not root, no overlayfs) it is a copy of the input, and
//! later execs of the solve copy too. Cache mounts are instances held for
//! the step as their `sharing` says (`cache_mount.rs`);
//! tmpfs mounts are real tmpfs mounted by the executor (`size=` from the op),
//! never outputs, so nothing written there reaches a snapshot or key. Secret
//! mounts and secret env come from the solve's secret provider (`secret.rs`)
//! and are written by the executor into a tmpfs private to the container's
//! mount namespace. SSH mounts bind a socket served for the exec's duration
//! (`crate::ssh`); an optional one whose id is not forwarded is left out,
//! as in BuildKit.
//! The network modes `UNSET` and `HOST` run with the host network (dfc has
//! no CNI; BuildKit's `--oci-worker-net=host`); `NONE` gets an empty network
//! namespace with `lo` up. `security=insecure` fails unless the solver
//! allows it (`--allow security.insecure`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use llb_schema::pb::{ExecOp, MountType, NetMode, SecurityMode};

use super::OpContext;
use crate::error::OpError;
use crate::exec::{BindMount, ExecError, ExecSecrets, ExecSpec, Network};
use crate::fsutil::{self, resolve_in_root};
use crate::store::overlay::Overlay;
use crate::store::SnapshotId;

fn setup(what: String, source: std::io::Error) -> OpError {
    OpError::Exec(ExecError::Setup { what, source })
}

/// Runs the exec op and returns its outputs in output-index order.
pub fn run(
    ctx: &mut OpContext<'_>,
    e: &ExecOp,
    inputs: &[SnapshotId],
    outputs: usize,
) -> Result<Vec<SnapshotId>, OpError> {
    let meta = e
        .meta
        .as_ref()
        .ok_or_else(|| OpError::Unsupported("exec op without meta (no arguments)".into()))?;
    let stage = ctx.store.staging()?;
    let mut rootfs: Option<PathBuf> = None;
    let mut mounts = Vec::new();
    // Declared after `stage`: unmounted before the staging area is removed.
    let mut overlays: Vec<Option<Overlay>> = Vec::new();
    let mut produced: Vec<Option<Produced>> = vec![None; outputs];
    let mut secret_files = Vec::new();
    // Cache mount instances, held until the step ends.
    let caches = super::cache_mount::acquire_all(ctx, &e.mounts, inputs)?;
    // Declared after `stage`: each stops listening and removes its socket
    // before the staging area goes, on every path out of this function.
    let mut agent_sockets = Vec::new();
    for (i, m) in e.mounts.iter().enumerate() {
        let kind = MountType::try_from(m.mount_type).unwrap_or(MountType::Bind);
        let dir = stage.path().join(format!("m{i}"));
        let source = match kind {
            MountType::Bind => {
                let input = match m.input {
                    -1 => None,
                    x if x >= 0 && (x as usize) < inputs.len() => {
                        Some(ctx.store.snapshot_path(&inputs[x as usize]))
                    }
                    x => {
                        return Err(OpError::Unsupported(format!(
                            "mount {} refers to input {x}, which does not exist",
                            m.dest
                        )))
                    }
                };
                let src = match &input {
                    Some(root) if !m.selector.is_empty() => {
                        resolve_in_root(root, &m.selector, true)
                            .map_err(|s| setup(format!("resolve selector {}", m.selector), s))?
                    }
                    Some(root) => root.clone(),
                    None => PathBuf::new(),
                };
                if m.readonly && m.output < 0 && m.dest != "/" && input.is_some() {
                    if !src.exists() {
                        return Err(setup(
                            format!(
                                "mount {}: selector {} not found in its input",
                                m.dest, m.selector
                            ),
                            std::io::Error::from(std::io::ErrorKind::NotFound),
                        ));
                    }
                    Produced::Dir(src)
                } else {
                    if input.is_some() {
                        if let Some(ov) = try_overlay(ctx, &src, &dir) {
                            overlays.push(Some(ov));
                            Produced::Overlay(overlays.len() - 1)
                        } else {
                            fsutil::copy_tree(&src, &dir)
                                .map_err(|s| setup(format!("prepare mount {}", m.dest), s))?;
                            Produced::Dir(dir.clone())
                        }
                    } else {
                        fs::create_dir(&dir)
                            .and_then(|_| {
                                fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
                            })
                            .map_err(|s| setup(format!("prepare mount {}", m.dest), s))?;
                        Produced::Dir(dir.clone())
                    }
                }
            }
            MountType::Cache if m.output >= 0 => {
                return Err(OpError::Unsupported(format!(
                    "cache mount {} cannot be an output",
                    m.dest
                )));
            }
            MountType::Cache => Produced::Dir(caches.path(i)?),
            MountType::Tmpfs if m.output >= 0 => {
                return Err(OpError::Unsupported(format!(
                    "tmpfs mount {} cannot be an output",
                    m.dest
                )));
            }
            MountType::Tmpfs => {
                let size = m.tmpfs_opt.as_ref().map_or(0, |t| t.size);
                if size < 0 {
                    return Err(OpError::Unsupported(format!(
                        "tmpfs mount {} has a negative size {size}",
                        m.dest
                    )));
                }
                mounts.push(BindMount {
                    source: PathBuf::new(),
                    dest: m.dest.clone(),
                    readonly: m.readonly,
                    tmpfs: Some(size),
                });
                continue;
            }
            // BuildKit's client writes secret mounts without an output index (so 0
            // on the wire) and its solver never reads one: they are never outputs.
            MountType::Secret => {
                secret_files.extend(super::secret::file(ctx, m, mounts.len())?);
                continue;
            }
            MountType::Ssh => {
                let path = stage.path().join(format!("ssh{i}"));
                if let Some(sock) = crate::ssh::mount_socket(ctx.ssh, m, &path)? {
                    mounts.push(BindMount {
                        source: path,
                        dest: m.dest.clone(),
                        readonly: false,
                        tmpfs: None,
                    });
                    agent_sockets.push(sock);
                }
                continue;
            }
        };
        if m.output >= 0 {
            let o = m.output as usize;
            if o >= outputs || produced[o].is_some() {
                return Err(OpError::Unsupported(format!(
                    "mount {} has output index {o}, out of range or used twice",
                    m.dest
                )));
            }
            produced[o] = Some(source.clone());
        }
        let source = match &source {
            Produced::Dir(p) => p.clone(),
            Produced::Overlay(k) => overlays[*k]
                .as_ref()
                .map(|o| o.merged.clone())
                .unwrap_or_default(),
        };
        if m.dest == "/" {
            rootfs = Some(source);
        } else {
            mounts.push(BindMount {
                source,
                dest: m.dest.clone(),
                readonly: m.readonly,
                tmpfs: None,
            });
        }
    }
    let rootfs =
        rootfs.ok_or_else(|| OpError::Unsupported("exec op has no root (/) mount".into()))?;
    let network = match NetMode::try_from(e.network) {
        Ok(NetMode::None) => Network::None,
        _ => Network::Host,
    };
    let insecure = SecurityMode::try_from(e.security) == Ok(SecurityMode::Insecure);
    if insecure && !ctx.allow_insecure {
        return Err(OpError::NotAllowed {
            entitlement: "security.insecure",
        });
    }
    let secrets = ExecSecrets {
        staging: stage.path().join("secrets"),
        env: super::secret::env(ctx, e)?,
        files: secret_files,
    };
    if !secrets.files.is_empty() {
        fs::create_dir(&secrets.staging)
            .map_err(|s| setup("prepare the secrets' mount point".into(), s))?;
    }
    let spec = ExecSpec {
        rootfs,
        mounts,
        args: meta.args.clone(),
        env: meta.env.clone(),
        cwd: if meta.cwd.is_empty() {
            "/".into()
        } else {
            meta.cwd.clone()
        },
        user: meta.user.clone(),
        hostname: if meta.hostname.is_empty() {
            "buildkitsandbox".into()
        } else {
            meta.hostname.clone()
        },
        network,
        insecure,
        valid_exit_codes: meta.valid_exit_codes.clone(),
        secrets,
    };
    ctx.executor.run(&spec, ctx.log, ctx.cancel)?;
    drop(agent_sockets);
    let mut out = Vec::with_capacity(outputs);
    for (o, p) in produced.into_iter().enumerate() {
        let p = match p {
            Some(Produced::Dir(p)) => p,
            Some(Produced::Overlay(k)) => {
                let ov = overlays[k]
                    .take()
                    .ok_or_else(|| OpError::Unsupported(format!("output {o} is produced twice")))?;
                let dest = stage.path().join(format!("out{o}"));
                ov.materialize(&dest)
                    .map_err(|s| setup(format!("capture the changes of output {o}"), s))?;
                dest
            }
            None => {
                return Err(OpError::Unsupported(format!(
                    "no mount produces output {o}"
                )))
            }
        };
        out.push(ctx.store.commit(&p)?);
    }
    Ok(out)
}

/// Where a mount's tree is: a directory, or the overlay of that index.
#[derive(Clone, Debug)]
enum Produced {
    Dir(PathBuf),
    Overlay(usize),
}

/// A writable overlay view of `src` under `dir`, unless overlays are off or refused
/// (then they stay off for the rest of the solve).
fn try_overlay(ctx: &OpContext<'_>, src: &Path, dir: &Path) -> Option<Overlay> {
    if !ctx.overlay.load(Ordering::Relaxed) || !src.is_dir() {
        return None;
    }
    match Overlay::mount(src, dir) {
        Ok(ov) => Some(ov),
        Err(_) => {
            ctx.overlay.store(false, Ordering::Relaxed);
            let _ = fsutil::remove_all(dir);
            None
        }
    }
}
