//! The runner's errors, layered: each part has a small enum ([`StoreError`],
//! [`SourceError`], [`FileOpError`], [`crate::ExecError`]); [`OpError`] folds
//! them for one vertex; [`SolveError`] names the failing step. Messages are
//! rendered once, at the CLI edge, with their `source()` chain.

use std::io;
use std::path::PathBuf;

use llb_schema::{Digest, SchemaError};

use crate::exec::ExecError;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O call on the store failed.
    #[error("cannot {what} {}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// A source op (`local://`, `docker-image://`, ...) failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The identifier's scheme is not one the runner knows.
    #[error("unsupported source {identifier:?}: the runner knows local://, docker-image://, https://, git://")]
    UnsupportedScheme {
        /// The identifier as written in the op.
        identifier: String,
    },
    /// A `local://NAME` source with no `--local NAME=DIR`.
    #[error("local source {name:?} was not given: pass --local {name}=DIR")]
    MissingLocal {
        /// The local name.
        name: String,
    },
    /// An attribute value is malformed.
    #[error("source attribute {key}={value:?} is invalid: {reason}")]
    BadAttr {
        /// Attribute name.
        key: String,
        /// Its value.
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// An image could not be served from the `--oci-layout` directory.
    #[error("OCI layout {}: {reason}", dir.display())]
    Layout {
        /// The layout directory.
        dir: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },
    /// Reading the source failed.
    #[error("cannot read {}", path.display())]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// A file action failed.
#[derive(Debug, thiserror::Error)]
pub enum FileOpError {
    /// The op's structure is wrong (index out of range, no action, ...).
    #[error("file action #{action}: {reason}")]
    Malformed {
        /// Position of the action in the op.
        action: usize,
        /// What is wrong.
        reason: String,
    },
    /// A path the action needs does not exist.
    #[error("file action #{action}: {path}: not found")]
    NotFound {
        /// Position of the action in the op.
        action: usize,
        /// The container path.
        path: String,
    },
    /// A path is of the wrong kind or already exists.
    #[error("file action #{action}: {path}: {reason}")]
    Conflict {
        /// Position of the action in the op.
        action: usize,
        /// The container path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An owner name could not be resolved in the destination's /etc files.
    #[error("file action #{action}: unknown {kind} {name:?} (looked up in /etc/{file} of the destination)")]
    UnknownOwner {
        /// Position of the action in the op.
        action: usize,
        /// `user` or `group`.
        kind: &'static str,
        /// The name.
        name: String,
        /// `passwd` or `group`.
        file: &'static str,
    },
    /// A mode string is not a valid octal or symbolic chmod mode.
    #[error("file action #{action}: invalid mode {mode:?}")]
    BadMode {
        /// Position of the action in the op.
        action: usize,
        /// The mode string.
        mode: String,
    },
    /// An archive to unpack is unsafe or corrupt.
    #[error("file action #{action}: archive {path}: {reason}")]
    Archive {
        /// Position of the action in the op.
        action: usize,
        /// The archive's container path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An OS call failed.
    #[error("file action #{action}: {what} {path}")]
    Io {
        /// Position of the action in the op.
        action: usize,
        /// What was being done.
        what: &'static str,
        /// The container path.
        path: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// Why one vertex failed.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A source failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A file action failed.
    #[error(transparent)]
    File(#[from] FileOpError),
    /// An exec failed.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// A registry conversation failed (boxed: it names every endpoint tried).
    #[error(transparent)]
    Registry(Box<crate::registry::RegistryError>),
    /// The op is of a kind or shape the runner does not run.
    #[error("{0}")]
    Unsupported(String),
    /// A secret the step needs is missing or unusable.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// A cache mount could not be prepared.
    #[error("cache mount {dest}")]
    CacheMount {
        /// The mount's destination.
        dest: String,
        /// Why.
        #[source]
        source: crate::store::CacheMountError,
    },
    /// The op needs an entitlement the caller did not grant.
    #[error("this step asks for {entitlement}, which is not allowed: pass --allow {entitlement} to dfc run / dfc build to allow it")]
    NotAllowed {
        /// The entitlement, as buildx names it (`security.insecure`).
        entitlement: &'static str,
    },
    /// A required `type=ssh` mount names an agent id that was not forwarded.
    #[error("no SSH agent is forwarded as {id:?}, which this step's ssh mount requires: {}", ssh_fix(.id))]
    SshNotForwarded {
        /// The mount's id (`default` when it names none).
        id: String,
    },
    /// An input's result is missing or of the wrong output index.
    #[error("input #{index} refers to output {output}, but that op has {available} output(s)")]
    BadOutput {
        /// Input position.
        index: usize,
        /// Requested output index.
        output: i64,
        /// Outputs the input op has.
        available: usize,
    },
}

/// How to forward agent `id`, in the words of `--ssh`.
fn ssh_fix(id: &str) -> String {
    if id == crate::ssh::DEFAULT_ID {
        "pass --ssh default (the agent at $SSH_AUTH_SOCK) or --ssh default=SOCKET|KEYFILE, or make the mount optional (required=false)".to_string()
    } else {
        format!("pass --ssh {id}=SOCKET|KEYFILE (or --ssh {id} for the agent at $SSH_AUTH_SOCK), or make the mount optional (required=false)")
    }
}

/// A solve failed.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The definition is not valid LLB.
    #[error("invalid LLB definition")]
    Invalid(#[from] SchemaError),
    /// The store could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// One step failed; the others were stopped.
    #[error("step {name:?} ({digest}) failed{}", tail_suffix(.output_tail))]
    Step {
        /// The step's name (its description, or a summary of the op).
        name: String,
        /// The op digest.
        digest: Digest,
        /// The last lines of the step's output, if it produced any.
        output_tail: Vec<String>,
        /// What went wrong.
        #[source]
        source: Box<OpError>,
    },
    /// A worker thread died (a bug); reported instead of a panic.
    #[error("internal error: a solver worker stopped unexpectedly")]
    WorkerLost,
}

fn tail_suffix(tail: &[String]) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!("; last output:\n  {}", tail.join("\n  "))
    }
}

impl From<crate::registry::RegistryError> for OpError {
    fn from(e: crate::registry::RegistryError) -> OpError {
        OpError::Registry(Box::new(e))
    }
}
