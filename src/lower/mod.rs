//! Lowering: a typed Dockerfile to BuildKit LLB plus the image config, as BuildKit's
//! Dockerfile frontend (`dockerfile2llb`, v0.32 / frontend 1.26) produces them.
//!
//! The flow follows BuildKit's: global ARGs, one state per stage, the target and the
//! stages reachable from it, base images resolved through an [`ImageResolver`] (the only
//! I/O), then each reachable stage's instructions dispatched in file order onto an LLB
//! [`graph::Graph`]. The build context source is only known at the end (its followed
//! paths come from every COPY), so the conversion runs twice: once to collect those
//! paths, once to build the final graph.

mod base;
mod buildopts;
mod checks;
mod convert;
mod copy;
mod dispatch;
mod dispatch_config;
mod dispatch_state;
pub mod dockerignore;
mod epoch;
mod error;
mod git;
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
mod stages;
mod state;

use std::collections::BTreeMap;

use llb_schema::pb::Definition;

pub(crate) use copy::parse_chmod;
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
    /// The resolved SOURCE_DATE_EPOCH (seconds), for exporters.
    pub epoch: Option<i64>,
}

/// Compiles `source` (a Dockerfile) to LLB.
pub fn compile(
    source: &str,
    opts: &CompileOptions,
    resolver: &dyn ImageResolver,
) -> Result<Compiled, LowerError> {
    convert::compile(source, opts, resolver)
}

/// The description key under which the image config travels in-band, on the terminal
/// op's metadata (`dfc.` keys are dfc's own and ignored by comparisons with BuildKit).
pub const IMAGE_CONFIG_KEY: &str = llb_schema::IMAGE_CONFIG_KEY;

/// The description key under which the resolved SOURCE_DATE_EPOCH travels in-band,
/// next to the image config, for the exporter.
pub const EPOCH_KEY: &str = llb_schema::EPOCH_KEY;

impl Compiled {
    /// The Definition with the image config, and the epoch when there is one, added
    /// in-band (see [`IMAGE_CONFIG_KEY`], [`EPOCH_KEY`]). An empty Definition (scratch
    /// without changes) has no terminal op to carry them.
    pub fn definition_with_config(&self) -> Definition {
        let mut def = self.definition.clone();
        if let Some(last) = def.def.last() {
            let key = llb_schema::digest(last).to_string();
            if let Some(md) = def.metadata.get_mut(&key) {
                md.description
                    .insert(IMAGE_CONFIG_KEY.to_string(), self.image.to_json());
                if let Some(epoch) = self.epoch {
                    md.description
                        .insert(EPOCH_KEY.to_string(), epoch.to_string());
                }
            }
        }
        def
    }
}
