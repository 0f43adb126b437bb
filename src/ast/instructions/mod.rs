//! One typed struct per Dockerfile instruction, and [`parse_instruction`], which types a
//! single node as BuildKit's `ParseInstruction` does.
//!
//! Each instruction file checks arguments and flags in BuildKit's order and returns the
//! first error BuildKit would return for that node. Grouping into stages and the
//! `no build stage` rule live in [`crate::ast::build`].

mod arg;
mod cmd_entrypoint_shell;
mod common;
mod copy;
mod env_label;
mod expose_volume;
mod from;
mod healthcheck;
mod onbuild;
mod run;
mod single_value;

use serde::Serialize;

use crate::syntax::{Node, Span};

use super::error::AstError;
use super::goparse;
use super::suggest;
use super::Spanned;

pub use arg::{ArgInstruction, ArgPair};
pub use cmd_entrypoint_shell::{CmdInstruction, EntrypointInstruction, ShellInstruction};
pub use common::ShellOrExec;
pub use copy::{AddInstruction, CopyInstruction, SourceContent};
pub use env_label::{EnvInstruction, KeyValue, LabelInstruction};
pub use expose_volume::{ExposeInstruction, VolumeInstruction};
pub use from::FromInstruction;
pub use healthcheck::{Healthcheck, HealthcheckCmd, HealthcheckInstruction};
pub use onbuild::OnbuildInstruction;
pub use run::{DeviceSpec, NetworkMode, RunInstruction, SecurityMode};
pub use single_value::{
    MaintainerInstruction, StopsignalInstruction, UserInstruction, WorkdirInstruction,
};

use common::Request;

/// Every instruction but `FROM` (which opens a [`crate::ast::Stage`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "instruction", rename_all = "lowercase")]
pub enum Instruction {
    Add(AddInstruction),
    Arg(ArgInstruction),
    Cmd(CmdInstruction),
    Copy(CopyInstruction),
    Entrypoint(EntrypointInstruction),
    Env(EnvInstruction),
    Expose(ExposeInstruction),
    Healthcheck(HealthcheckInstruction),
    Label(LabelInstruction),
    Maintainer(MaintainerInstruction),
    Onbuild(OnbuildInstruction),
    Run(RunInstruction),
    Shell(ShellInstruction),
    Stopsignal(StopsignalInstruction),
    User(UserInstruction),
    Volume(VolumeInstruction),
    Workdir(WorkdirInstruction),
}

/// What one node turns into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Parsed {
    /// A `FROM`: the start of a stage.
    Stage(FromInstruction),
    Instruction(Instruction),
}

macro_rules! each_variant {
    ($self:expr, $inner:ident => $body:expr) => {
        match $self {
            Instruction::Add($inner) => $body,
            Instruction::Arg($inner) => $body,
            Instruction::Cmd($inner) => $body,
            Instruction::Copy($inner) => $body,
            Instruction::Entrypoint($inner) => $body,
            Instruction::Env($inner) => $body,
            Instruction::Expose($inner) => $body,
            Instruction::Healthcheck($inner) => $body,
            Instruction::Label($inner) => $body,
            Instruction::Maintainer($inner) => $body,
            Instruction::Onbuild($inner) => $body,
            Instruction::Run($inner) => $body,
            Instruction::Shell($inner) => $body,
            Instruction::Stopsignal($inner) => $body,
            Instruction::User($inner) => $body,
            Instruction::Volume($inner) => $body,
            Instruction::Workdir($inner) => $body,
        }
    };
}

impl Instruction {
    /// The whole instruction, heredoc bodies included.
    pub fn span(&self) -> Span {
        each_variant!(self, i => i.span)
    }

    /// The keyword as written.
    pub fn keyword(&self) -> &Spanned<String> {
        each_variant!(self, i => &i.keyword)
    }

    /// The instruction's name, upper-case (`RUN`).
    pub fn name(&self) -> &'static str {
        match self {
            Instruction::Add(_) => "ADD",
            Instruction::Arg(_) => "ARG",
            Instruction::Cmd(_) => "CMD",
            Instruction::Copy(_) => "COPY",
            Instruction::Entrypoint(_) => "ENTRYPOINT",
            Instruction::Env(_) => "ENV",
            Instruction::Expose(_) => "EXPOSE",
            Instruction::Healthcheck(_) => "HEALTHCHECK",
            Instruction::Label(_) => "LABEL",
            Instruction::Maintainer(_) => "MAINTAINER",
            Instruction::Onbuild(_) => "ONBUILD",
            Instruction::Run(_) => "RUN",
            Instruction::Shell(_) => "SHELL",
            Instruction::Stopsignal(_) => "STOPSIGNAL",
            Instruction::User(_) => "USER",
            Instruction::Volume(_) => "VOLUME",
            Instruction::Workdir(_) => "WORKDIR",
        }
    }
}

/// The instruction names BuildKit knows, in the order suggestions are tried.
pub const INSTRUCTION_NAMES: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Types one node, or returns the first error BuildKit reports for it.
pub fn parse_instruction(node: &Node) -> Result<Parsed, AstError> {
    let lower = goparse::lower(&node.keyword);
    let Some(name) = INSTRUCTION_NAMES
        .iter()
        .copied()
        .find(|n| n.eq_ignore_ascii_case(&lower))
    else {
        return Err(AstError::UnknownInstruction {
            keyword: node.keyword.clone(),
            suggestion: suggest::search(&node.keyword, INSTRUCTION_NAMES, false),
            span: node.keyword_span,
            node: node.span,
        });
    };
    let req = Request::new(node, name);
    use Instruction as I;
    let instruction = match name {
        "FROM" => return from::parse(&req).map(Parsed::Stage),
        "ADD" => I::Add(copy::parse_add(&req)?),
        "ARG" => I::Arg(arg::parse(&req)?),
        "CMD" => I::Cmd(cmd_entrypoint_shell::parse_cmd(&req)?),
        "COPY" => I::Copy(copy::parse_copy(&req)?),
        "ENTRYPOINT" => I::Entrypoint(cmd_entrypoint_shell::parse_entrypoint(&req)?),
        "ENV" => I::Env(env_label::parse_env(&req)?),
        "EXPOSE" => I::Expose(expose_volume::parse_expose(&req)?),
        "HEALTHCHECK" => I::Healthcheck(healthcheck::parse(&req)?),
        "LABEL" => I::Label(env_label::parse_label(&req)?),
        "MAINTAINER" => I::Maintainer(single_value::parse_maintainer(&req)?),
        "ONBUILD" => I::Onbuild(onbuild::parse(&req)?),
        "RUN" => I::Run(run::parse(&req)?),
        "SHELL" => I::Shell(cmd_entrypoint_shell::parse_shell(&req)?),
        "STOPSIGNAL" => I::Stopsignal(single_value::parse_stopsignal(&req)?),
        "USER" => I::User(single_value::parse_user(&req)?),
        "VOLUME" => I::Volume(expose_volume::parse_volume(&req)?),
        _ => I::Workdir(single_value::parse_workdir(&req)?),
    };
    Ok(Parsed::Instruction(instruction))
}
