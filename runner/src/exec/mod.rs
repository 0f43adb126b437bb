//! The OS boundary for exec ops: [`Executor`] runs one process tree in a
//! prepared root filesystem. The solver prepares the rootfs and mounts and
//! commits the results; an executor only runs.
//!
//! Implementations: [`NoExecutor`] refuses every exec with a clear message
//! (builds made only of sources and file ops need nothing more); the
//! namespace executor (root) lives in its own module.

mod namespace;
mod secret;
pub mod user;

pub use namespace::NamespaceExecutor;
pub use secret::{ExecSecrets, SecretFile};

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// One bind mount into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMount {
    /// Host path (a directory or file inside the store's staging area or a
    /// read-only snapshot).
    pub source: PathBuf,
    /// Container path.
    pub dest: String,
    /// Mounted read-only.
    pub readonly: bool,
    /// When set, a fresh tmpfs is mounted at `dest` instead of binding
    /// `source`: `Some(0)` without a size limit, else the limit in bytes.
    pub tmpfs: Option<i64>,
}

/// Network namespace choice of an exec op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// A fresh, empty network namespace (loopback only).
    None,
    /// The host's network.
    Host,
}

/// Everything an executor needs to run one exec op.
#[derive(Debug, Clone)]
pub struct ExecSpec {
    /// The writable root filesystem.
    pub rootfs: PathBuf,
    /// Mounts other than the rootfs, in op order.
    pub mounts: Vec<BindMount>,
    /// argv.
    pub args: Vec<String>,
    /// `KEY=value` entries.
    pub env: Vec<String>,
    /// Working directory (container path).
    pub cwd: String,
    /// `user[:group]`, names or ids, resolved in the rootfs.
    pub user: String,
    /// Hostname.
    pub hostname: String,
    /// Network mode.
    pub network: Network,
    /// `security=insecure`: every capability is kept and the host's /dev is
    /// bound in place of the minimal one (otherwise the step keeps the default
    /// capability set and cannot open device nodes it makes).
    pub insecure: bool,
    /// Exit codes that count as success (empty: only 0).
    pub valid_exit_codes: Vec<i32>,
    /// Secret files and secret environment variables (values redacted in `Debug`).
    pub secrets: ExecSecrets,
}

/// What ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    /// The exit status of the process.
    pub exit_code: i32,
}

/// Why an exec failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// This executor cannot run processes.
    #[error("cannot run {args:?}: {reason}")]
    Unavailable {
        /// The argv that was asked for.
        args: Vec<String>,
        /// Why (for example: not root, namespaces unavailable).
        reason: String,
    },
    /// The process exited with a code not in the valid set.
    #[error("process \"{}\" did not complete successfully: exit code: {code}", args.join(" "))]
    ExitCode {
        /// argv.
        args: Vec<String>,
        /// The code (128+N for signal N).
        code: i32,
    },
    /// Setting up the container failed.
    #[error("container setup failed: {what}")]
    Setup {
        /// What step.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The solve was cancelled while the process ran.
    #[error("cancelled")]
    Cancelled,
}

/// Runs exec ops. Output lines go to `log`; `cancel` turns true when the
/// solve stops (another step failed) and the process should be killed.
pub trait Executor: Send + Sync {
    /// Runs the process described by `spec` to completion.
    fn run(
        &self,
        spec: &ExecSpec,
        log: &mut dyn FnMut(&[u8]),
        cancel: &AtomicBool,
    ) -> Result<ExecOutcome, ExecError>;
}

/// An executor for machines or builds without containers: every exec op
/// fails with [`ExecError::Unavailable`].
#[derive(Debug, Clone, Default)]
pub struct NoExecutor {
    /// The reason shown to the user.
    pub reason: String,
}

impl Executor for NoExecutor {
    fn run(
        &self,
        spec: &ExecSpec,
        _log: &mut dyn FnMut(&[u8]),
        _cancel: &AtomicBool,
    ) -> Result<ExecOutcome, ExecError> {
        Err(ExecError::Unavailable {
            args: spec.args.clone(),
            reason: if self.reason.is_empty() {
                "no container executor is configured".to_string()
            } else {
                self.reason.clone()
            },
        })
    }
}
