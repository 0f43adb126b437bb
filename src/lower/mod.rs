//! Lowering: a typed Dockerfile to BuildKit LLB plus the image config, as BuildKit's
//! Dockerfile frontend (`dockerfile2llb`, v0.32 / frontend 1.26) produces them.
//!
//! The flow follows BuildKit's: global ARGs, one state per stage, the target and the
//! stages reachable from it, base images resolved through an [`ImageResolver`] (the only
//! I/O), then each reachable stage's instructions dispatched in file order onto an LLB
//! [`graph::Graph`]. The build context source is only known at the end (its followed
//! paths come from every COPY), so the conversion runs twice: once to collect those
//! paths, once to build the final graph.

mod convert;
mod copy;
mod dispatch;
mod error;
mod graph;
mod image;
mod names;
mod ops;
mod paths;
mod platform;
mod reference;
mod resolver;
mod run;
mod stage;
mod state;

use std::collections::BTreeMap;

use llb_schema::pb::Definition;

pub use error::LowerError;
pub use image::Image;
pub use platform::Platform;
pub use reference::Reference;
pub use resolver::{pick_manifest, ImageResolver, LayoutResolver, ResolveError, ResolvedImage};

/// BuildKit's default PATH for Linux.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Inputs of a compilation besides the Dockerfile text.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// `--target`; the last stage when `None`.
    pub target: Option<String>,
    /// `--build-arg K=V`.
    pub build_args: BTreeMap<String, String>,
    /// `--platform`; linux/amd64 when `None`.
    pub platform: Option<Platform>,
    /// Patterns of the `.dockerignore` in force (already read and parsed).
    pub dockerignore: Vec<String>,
}

/// The result: the LLB Definition and the image config.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub definition: Definition,
    pub image: Image,
}

/// Compiles `source` (a Dockerfile) to LLB.
pub fn compile(
    source: &str,
    opts: &CompileOptions,
    resolver: &dyn ImageResolver,
) -> Result<Compiled, LowerError> {
    convert::compile(source, opts, resolver)
}
