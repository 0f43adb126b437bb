//! What each vertex does. [`run`] executes a vertex on its input snapshots
//! and returns its output snapshots; [`dep_keys`] says what a vertex reads
//! from each input, for its cache key.
//!
//! One file per op kind: `local.rs` (local:// sources), `file.rs` (file op
//! actions, with `copy.rs`, `owner.rs`, `mode.rs`), `merge.rs` (merge, diff).

mod archive;
pub(crate) mod cache_mount;
mod copy;
mod exec;
mod file;
mod git;
mod http;
mod image;
mod layers;
mod layout;
pub(crate) mod local;
mod merge;
mod mode;
mod owner;
mod secret;
mod special;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use crate::cachekey::DepKey;
use crate::error::{OpError, SourceError};
use crate::exec::Executor;
use crate::store::{SnapshotId, Store};
use crate::vertex::{Vertex, VertexKind};

pub use local::is_root as running_as_root;
pub use mode::{apply_mode_str, ModeError};

/// What an op may use while it runs.
pub struct OpContext<'a> {
    /// The store (inputs are read from it, outputs committed to it).
    pub store: &'a Store,
    /// `--local NAME=DIR` directories.
    pub locals: &'a BTreeMap<String, PathBuf>,
    /// Runs exec ops.
    pub executor: &'a dyn Executor,
    /// Set when the solve is stopping.
    pub cancel: &'a AtomicBool,
    /// The op's output stream.
    pub log: &'a mut dyn FnMut(&[u8]),
    /// Registry client for image sources.
    pub registry: &'a crate::registry::Client,
    /// An OCI image layout that serves image sources instead of registries.
    pub layout: Option<&'a std::path::Path>,
    /// Whether writable exec mounts try overlayfs (cleared on the first refusal).
    pub overlay: &'a AtomicBool,
    /// Whether exec ops may run with `security=insecure`.
    pub allow_insecure: bool,
    /// Serves the secrets of secret mounts and secret env.
    pub secrets: &'a dyn crate::secrets::SecretProvider,
    /// The SSH agents forwarded to `type=ssh` mounts, if any.
    pub ssh: Option<&'a std::sync::Arc<dyn crate::ssh::SshAgents>>,
}

/// For sources whose content is named remotely (images), the content
/// digest that keys their cache entry, resolved before anything is pulled.
pub fn remote_key(ctx: &OpContext<'_>, v: &Vertex) -> Result<Option<llb_schema::Digest>, OpError> {
    match &v.kind {
        VertexKind::Source(s) => match s.identifier.strip_prefix("docker-image://") {
            Some(name) => {
                let r = image::resolve(ctx, name, v.platform.as_ref())?;
                Ok(Some(llb_schema::digest(r.digest.as_bytes())))
            }
            None if is_http(&s.identifier) => http::checksum(&s.attrs),
            None => match s.identifier.strip_prefix("git://") {
                Some(rest) => Ok(Some(git::GitSource::new(rest, &s.attrs).key()?)),
                None => Ok(None),
            },
        },
        _ => Ok(None),
    }
}

/// Whether the vertex must run before its cache key is known (it reads
/// outside content: local directories).
pub fn keyed_by_content(v: &Vertex) -> bool {
    match &v.kind {
        VertexKind::Source(s) if s.identifier.starts_with("local://") => true,
        VertexKind::Source(s) if is_http(&s.identifier) => !s.attrs.contains_key("http.checksum"),
        _ => false,
    }
}

fn is_http(id: &str) -> bool {
    id.starts_with("https://") || id.starts_with("http://")
}

/// The cache-key part of each input: a checksum of the paths the op reads
/// from it, or its whole tree.
pub fn dep_keys(store: &Store, v: &Vertex, inputs: &[SnapshotId]) -> Result<Vec<DepKey>, OpError> {
    let selectors: BTreeMap<usize, Vec<String>> = match &v.kind {
        VertexKind::File(f) => file::selectors(f, inputs.len()),
        VertexKind::Exec(e) => exec_selectors(e, inputs.len()),
        _ => BTreeMap::new(),
    };
    let mut out = Vec::with_capacity(inputs.len());
    for (i, id) in inputs.iter().enumerate() {
        match selectors.get(&i) {
            Some(paths) => {
                let root = store.snapshot_path(id);
                let resolved: Vec<(String, PathBuf)> = paths
                    .iter()
                    .map(|p| {
                        // A label is the path, then NUL-separated patterns.
                        let path = p.split('\0').next().unwrap_or("/");
                        let r = crate::fsutil::resolve_in_root(&root, path, true)
                            .unwrap_or_else(|_| root.join(".dfc-unresolvable"));
                        (p.clone(), r)
                    })
                    .collect();
                let d = crate::store::tree::selection_digest(
                    resolved.iter().map(|(l, p)| (l.as_str(), p.as_path())),
                )
                .map_err(|source| SourceError::Io {
                    path: root.clone(),
                    source,
                })?;
                out.push(DepKey::Selected(d));
            }
            None => out.push(DepKey::Whole(id.0)),
        }
    }
    Ok(out)
}

/// The inputs an exec op reads only through selectors: read-only mounts of a
/// path inside an input (`RUN --mount=type=bind,source=x`), keyed by that
/// path's content as BuildKit does. An input also mounted whole, or writable,
/// is keyed whole.
fn exec_selectors(e: &llb_schema::pb::ExecOp, inputs: usize) -> BTreeMap<usize, Vec<String>> {
    let mut sel: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut whole = Vec::new();
    for m in &e.mounts {
        let Ok(i) = usize::try_from(m.input) else {
            continue;
        };
        if i >= inputs {
            continue;
        }
        let path = crate::fsutil::clean_path(&m.selector);
        if m.readonly && m.output < 0 && path != "/" && !path.is_empty() {
            sel.entry(i).or_default().push(path);
        } else {
            whole.push(i);
        }
    }
    for i in whole {
        sel.remove(&i);
    }
    sel
}

/// Runs the vertex on its inputs (one snapshot per op input, in order).
pub fn run(
    ctx: &mut OpContext<'_>,
    v: &Vertex,
    inputs: &[SnapshotId],
) -> Result<Vec<SnapshotId>, OpError> {
    match &v.kind {
        VertexKind::Source(s) => {
            if let Some(name) = s.identifier.strip_prefix("local://") {
                Ok(vec![local::run(ctx, name, &s.attrs)?])
            } else if let Some(rest) = s.identifier.strip_prefix("git://") {
                Ok(vec![git::GitSource::new(rest, &s.attrs).run(ctx)?])
            } else if is_http(&s.identifier) {
                Ok(vec![http::run(ctx, &s.identifier, &s.attrs)?])
            } else if let Some(name) = s.identifier.strip_prefix("docker-image://") {
                let r = image::resolve(ctx, name, v.platform.as_ref())?;
                Ok(vec![image::run(ctx, &r)?])
            } else {
                Err(SourceError::UnsupportedScheme {
                    identifier: s.identifier.clone(),
                }
                .into())
            }
        }
        VertexKind::File(f) => file::run(ctx, f, inputs, v.outputs),
        VertexKind::Merge(_) => Ok(vec![merge::merge(ctx.store, inputs)?]),
        VertexKind::Diff(d) => Ok(vec![merge::diff(ctx.store, d, inputs)?]),
        VertexKind::Exec(e) => exec::run(ctx, e, inputs, v.outputs),
        VertexKind::Other(what) => Err(OpError::Unsupported(format!(
            "{what} ops are not supported by the runner"
        ))),
    }
}
