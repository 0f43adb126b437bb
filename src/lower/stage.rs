//! Per-stage dispatch state (BuildKit's `dispatchState`): the LLB state, the image config
//! being built, the stage's base and dependencies, and the step counter behind the
//! `[stage n/m]` progress names.

use std::collections::BTreeSet;

use crate::ast::Instruction;
use crate::syntax::Span;

use super::image::Image;
use super::platform::Platform;
use super::state::State;

/// One instruction to dispatch, with what it needs from the source text.
#[derive(Clone, Debug)]
pub struct Command {
    pub instruction: Instruction,
    /// BuildKit's `String()` of the command: the instruction text, trimmed.
    pub code: String,
    /// Stages this command reads (`COPY --from`, `RUN --mount from=`), by index.
    pub sources: Vec<Option<usize>>,
    pub on_build: bool,
}

#[derive(Clone, Debug, Default)]
pub struct StageState {
    /// The base name after expansion (image reference or stage name).
    pub base_name: String,
    /// The FROM's `--platform`, parsed.
    pub platform: Option<Platform>,
    /// The name shown in progress (`stage-N` for unnamed ones, `""` for a lone stage).
    pub stage_name: String,
    /// The `AS` name, lower-cased.
    pub name: Option<String>,
    pub base: Option<usize>,
    pub deps: Vec<usize>,
    pub commands: Vec<Command>,
    pub state: State,
    pub image: Image,
    pub dispatched: bool,
    pub resolved: bool,
    pub unregistered: bool,
    /// The base stage's ONBUILD triggers were taken over.
    pub onbuild_init: bool,
    pub cmd_total: usize,
    pub cmd_index: usize,
    pub cmd_is_onbuild: bool,
    /// Declared ARGs: name and value.
    pub build_args: Vec<(String, Option<String>)>,
    pub paths: BTreeSet<String>,
    pub workdir_set: bool,
    pub cmd_set: bool,
    /// The FROM instruction text, for the image source's description.
    pub from_code: String,
    pub span: Span,
    pub is_scratch_base: bool,
}
