//! Dispatch of one instruction onto a stage: what every instruction needs ([`Ctx`],
//! word expansion, the build-context source) and the routing to the instruction
//! families: `dispatch_state.rs` (ENV, ARG, WORKDIR, USER), `dispatch_config.rs` (the
//! image-config-only instructions), `run.rs` (RUN), `copy.rs` (COPY/ADD).

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::Instruction;
use crate::shell::{go_quote, Env, Lexer};

use super::error::LowerError;
use super::graph::{Graph, OutRef};
use super::ops::{self, Meta};
use super::platform::Platform;
use super::stage::{Command, StageState};
use super::state::EnvList;

/// What every dispatch needs besides the stage.
pub struct Ctx {
    pub lexer: Lexer,
    pub global: EnvList,
    /// `--build-arg`s, SOURCE_DATE_EPOCH in its resolved form.
    pub build_args: BTreeMap<String, String>,
    /// The resolved SOURCE_DATE_EPOCH, in seconds.
    pub epoch: Option<i64>,
    /// Frontend options given as build args (proxies, hostname, cache namespace).
    pub opts: super::buildopts::BuildOpts,
    pub target_platform: Platform,
    /// Context paths collected by the first pass (`None` during it).
    pub context_paths: Option<BTreeSet<String>>,
    pub dockerignore: Vec<String>,
}

pub type Result<T> = std::result::Result<T, LowerError>;

pub fn general(e: impl ToString) -> LowerError {
    LowerError::general(e.to_string())
}

/// Expands one word with the stage's environment.
pub fn expand(ctx: &Ctx, env: &dyn Env, word: &str) -> Result<String> {
    ctx.lexer.process_word(word, env).map_err(general)
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub fn go_quote_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", inner.join(" "))
}

/// `withShell`: the image's SHELL (or `/bin/sh -c`) plus the joined command line.
pub fn with_shell(shell: &[String], args: &[String]) -> Vec<String> {
    let mut out: Vec<String> = if shell.is_empty() {
        vec!["/bin/sh".into(), "-c".into()]
    } else {
        shell.to_vec()
    };
    out.push(args.join(" "));
    out
}

/// The build context source, created on first use.
pub fn context_source(ctx: &Ctx, graph: &mut Graph, context: &mut Option<OutRef>) -> OutRef {
    if let Some(c) = context {
        return *c;
    }
    let mut attrs = BTreeMap::new();
    let mut caps_list = vec![llb_schema::caps::SOURCE_LOCAL];
    if let Some(paths) = &ctx.context_paths {
        if !paths.contains("/") && !paths.is_empty() {
            let list: Vec<String> = paths
                .iter()
                .map(|p| super::paths::join(&[".", p]))
                .collect();
            attrs.insert("local.followpaths".into(), go_json_list(&list));
            caps_list.push(llb_schema::caps::SOURCE_LOCAL_FOLLOW_PATHS);
        }
    }
    if !ctx.dockerignore.is_empty() {
        attrs.insert(
            "local.excludepatterns".into(),
            go_json_list(&ctx.dockerignore),
        );
        caps_list.push(llb_schema::caps::SOURCE_LOCAL_EXCLUDE_PATTERNS);
    }
    attrs.insert("local.sharedkeyhint".into(), "context".into());
    caps_list.push(llb_schema::caps::SOURCE_LOCAL_SHARED_KEY_HINT);
    attrs.insert("local.unique".into(), "dfc".into());
    caps_list.push(llb_schema::caps::SOURCE_LOCAL_UNIQUE);
    let out = ops::source(
        graph,
        "local://context".into(),
        attrs,
        None,
        &caps_list,
        Meta::named("[internal] load build context"),
    );
    *context = Some(out);
    out
}

/// `json.Marshal` of a string list (Go escapes `<`, `>` and `&`).
pub fn go_json_list(items: &[String]) -> String {
    let s = serde_json::to_string(items).unwrap_or_default();
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub fn dispatch(
    ctx: &Ctx,
    graph: &mut Graph,
    states: &mut [StageState],
    i: usize,
    cmd: &Command,
    collected: &mut BTreeSet<String>,
    context: &mut Option<OutRef>,
) -> Result<()> {
    states[i].cmd_is_onbuild = cmd.on_build;
    match &cmd.instruction {
        Instruction::Run(r) => {
            super::run::dispatch_run(ctx, graph, states, i, cmd, r, collected, context)
        }
        Instruction::Copy(_) | Instruction::Add(_) => {
            super::copy::dispatch_copy(ctx, graph, states, i, cmd, collected, context)
        }
        ins @ (Instruction::Env(_)
        | Instruction::Arg(_)
        | Instruction::Workdir(_)
        | Instruction::User(_)) => {
            super::dispatch_state::dispatch(ctx, graph, &mut states[i], cmd, ins)
        }
        other => super::dispatch_config::dispatch(ctx, &mut states[i], other),
    }
}
