//! Typed instructions and stages: the layer between line-level [`Node`]s and lowering.
//!
//! [`build`] turns a [`ParsedFile`] into a [`Dockerfile`]: the `ARG`s before the first
//! `FROM` (meta args) and one [`Stage`] per `FROM`, each holding its typed
//! [`Instruction`]s. It raises exactly the errors BuildKit's `instructions.Parse` raises
//! (unknown instructions and flags, argument counts, the checks done by RUN's flag hooks,
//! an instruction before any `FROM`), but reports every failing instruction of the file
//! instead of stopping at the first one.
//!
//! What this layer does not do: variable expansion (see [`crate::shell`]), and any check
//! BuildKit makes only while converting to LLB (`--chmod` values, `--from` with variables,
//! mount fields other than `from`, stage-name references, ...). Those belong to lowering;
//! [`MountSpec::resolve`] is provided for it.

pub mod error;
pub mod expand;
pub mod flags;
pub mod instructions;
pub mod mount;
pub mod suggest;

pub(crate) mod csv;
mod goparse;

use serde::Serialize;

use crate::syntax::{Directive, Node, ParsedFile, Span};

pub use error::AstError;
pub use instructions::{
    parse_instruction, AddInstruction, ArgInstruction, ArgPair, CmdInstruction, CopyInstruction,
    DeviceSpec, EntrypointInstruction, EnvInstruction, ExposeInstruction, FromInstruction,
    Healthcheck, HealthcheckCmd, HealthcheckInstruction, Instruction, KeyValue, LabelInstruction,
    MaintainerInstruction, NetworkMode, OnbuildInstruction, Parsed, RunInstruction, SecurityMode,
    ShellInstruction, ShellOrExec, SourceContent, StopsignalInstruction, UserInstruction,
    VolumeInstruction, WorkdirInstruction,
};
pub use mount::{Mount, MountError, MountField, MountSpec, MountType, ShareMode};

/// A value together with the part of the source it was read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// A whole Dockerfile, typed.
#[derive(Clone, Debug, Serialize)]
pub struct Dockerfile {
    pub directives: Vec<Directive>,
    pub escape: char,
    /// `ARG`s before the first `FROM`.
    pub meta_args: Vec<ArgInstruction>,
    pub stages: Vec<Stage>,
}

/// A build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    pub from: FromInstruction,
    pub instructions: Vec<Instruction>,
    /// From the `FROM` keyword to the end of the stage's last instruction.
    pub span: Span,
}

impl Stage {
    /// The stage name after `AS`, lower-cased as BuildKit stores it.
    pub fn name(&self) -> Option<&str> {
        self.from.name.as_ref().map(|n| n.value.as_str())
    }

    /// The image or stage the stage starts from, unexpanded.
    pub fn base(&self) -> &str {
        &self.from.base.value
    }

    /// The `--platform` value, unexpanded (`None` when the flag is absent).
    pub fn platform(&self) -> Option<&str> {
        self.from.platform.as_ref().map(|p| p.value.as_str())
    }

    fn push(&mut self, instruction: Instruction) {
        self.span = self.span.cover(instruction.span());
        self.instructions.push(instruction);
    }
}

/// Types every instruction of `parsed` and groups them into stages.
///
/// The returned errors are in file order, at most one per instruction: the one BuildKit
/// would report for it. The first error is therefore the one BuildKit stops with. When
/// errors are returned, the [`Dockerfile`] holds what could be typed: a failing `FROM`
/// still opens a stage (see [`FromInstruction::fallback`]) so the instructions after it
/// are checked against it, and other failing instructions are left out.
/// `no build stage in current context` is reported once, for the first instruction other
/// than `ARG` before any `FROM`; the following ones are dropped.
pub fn build(parsed: &ParsedFile) -> (Dockerfile, Vec<AstError>) {
    let mut file = Dockerfile {
        directives: parsed.directives.clone(),
        escape: parsed.escape,
        meta_args: Vec::new(),
        stages: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut reported_no_stage = false;

    for node in &parsed.nodes {
        match parse_instruction(node) {
            Ok(Parsed::Stage(from)) => file.stages.push(Stage::open(from)),
            Ok(Parsed::Instruction(instruction)) => match file.stages.last_mut() {
                Some(stage) => stage.push(instruction),
                None => match instruction {
                    Instruction::Arg(arg) => file.meta_args.push(arg),
                    other => {
                        if !reported_no_stage {
                            reported_no_stage = true;
                            errors.push(AstError::NoBuildStage {
                                span: other.keyword().span,
                                node: node.span,
                            });
                        }
                    }
                },
            },
            Err(err) => {
                errors.push(err);
                if is_from(node) {
                    file.stages
                        .push(Stage::open(FromInstruction::fallback(node)));
                }
            }
        }
    }
    (file, errors)
}

impl Stage {
    fn open(from: FromInstruction) -> Stage {
        Stage {
            span: from.span,
            from,
            instructions: Vec::new(),
        }
    }
}

fn is_from(node: &Node) -> bool {
    goparse::lower(&node.keyword) == "from"
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests;
