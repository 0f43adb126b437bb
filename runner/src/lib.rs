//! dfc's daemonless LLB runner: it executes a validated BuildKit LLB graph and
//! leaves the result in a content-addressed store on disk.
//!
//! - [`Store`]: snapshots (directory trees named by their content digest),
//!   cache records (cache key → snapshot), a lock shared by concurrent builds.
//! - [`Solver`]: loads a [`llb_schema::ValidatedDefinition`], computes cache
//!   keys as BuildKit forms them, runs independent vertices concurrently and
//!   stops at the first failure, naming the step.
//! - [`ops`]: what each vertex does (sources, file actions, merge, diff, exec).
//! - [`Executor`]: the OS boundary for exec ops, a trait so the solver can be
//!   tested without privileges.
//!
//! What it does not do: read Dockerfiles (it never sees one), talk to a daemon.

pub mod cachekey;
mod error;
pub mod exec;
pub mod export;
pub mod fsutil;
pub mod lineage;
pub mod ops;
pub mod pattern;
pub mod progress;
pub use dfc_registry as registry;
pub mod secrets;
pub mod solver;
pub mod ssh;
pub mod store;
pub mod userns;
mod vertex;

/// The LLB crate the runner reads, for callers that load definitions.
pub use llb_schema;

pub use error::{FileOpError, OpError, SolveError, SourceError, StoreError};
pub use exec::{ExecError, ExecSpec, Executor, NamespaceExecutor, NoExecutor};
pub use progress::{Event, EventKind, ProgressSink};
pub use secrets::{SecretBytes, SecretMap, SecretProvider};
pub use solver::{Solved, Solver, SolverBuilder};
pub use store::{SnapshotId, Store};
pub use vertex::{Vertex, VertexKind};
