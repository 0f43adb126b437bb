//! ENV, ARG, WORKDIR and USER: the instructions that change the build state the
//! following instructions see (environment, declared build args, working directory with
//! its mkdir, user), and their history entries.
//!
//! What it does not do: RUN, COPY/ADD (`run.rs`, `copy.rs`) or instructions that only
//! change the image config (`dispatch_config.rs`).

use crate::ast::Instruction;
use crate::shell::Env;

use super::dispatch::{expand, Ctx, Result};
use super::graph::Graph;
use super::names::{prefix_command, process_cmd_env, uppercase_cmd};
use super::ops::{self, FileAction, Meta};
use super::stage::{Command, StageState};

pub fn dispatch(
    ctx: &Ctx,
    graph: &mut Graph,
    d: &mut StageState,
    cmd: &Command,
    ins: &Instruction,
) -> Result<()> {
    match ins {
        Instruction::Env(e) => {
            let mut msg = String::from("ENV");
            for kv in &e.pairs {
                let k = expand(ctx, &d.state.env, &kv.key.value)?;
                let v = expand(ctx, &d.state.env, &kv.value.value)?;
                msg.push_str(&format!(" {k}={v}"));
                d.state.env.add_or_replace(&k, &v);
                d.image.add_env(&k, &v);
            }
            d.image.commit(msg, false, false);
        }
        Instruction::Arg(a) => {
            let mut parts = Vec::new();
            for pair in &a.args {
                let key = pair.key.value.clone();
                let has_value = ctx.build_args.contains_key(&key);
                let mut value = pair.value.as_ref().map(|v| v.value.clone());
                if value.is_none() && !has_value {
                    if let Some(g) = ctx.global.get(&key) {
                        value = Some(g.to_string());
                    }
                } else if has_value {
                    value = ctx.build_args.get(&key).cloned();
                } else if let Some(v) = &value {
                    value = Some(expand(ctx, &d.state.env, v)?);
                }
                if let Some(v) = &value {
                    if key != "BUILDKIT_SBOM_SCAN_CONTEXT" && key != "BUILDKIT_SBOM_SCAN_STAGE" {
                        d.state.env.add_or_replace(&key, v);
                    }
                }
                d.build_args.push((key.clone(), value.clone()));
                parts.push(match &value {
                    Some(v) => format!("{key}={v}"),
                    None => key,
                });
            }
            d.image
                .commit(format!("ARG {}", parts.join(" ")), false, false);
        }
        Instruction::Workdir(w) => {
            let p = expand(ctx, &d.state.env, &w.path.value)?;
            d.workdir_set = true;
            let wd = normalize_workdir(&d.image.config.working_dir, &p);
            d.image.config.working_dir = wd.clone();
            d.state.set_dir(&wd);
            let mut with_layer = false;
            if wd != "/" {
                let name = uppercase_cmd(&process_cmd_env(&ctx.lexer, &cmd.code, &d.state.env));
                let custom = prefix_command(d, &name);
                let user = d.image.config.user.clone();
                let out = ops::file(
                    graph,
                    d.state.output,
                    vec![FileAction::Mkdir {
                        mkdir: llb_schema::pb::FileActionMkDir {
                            path: super::paths::normalize("/", &wd, false),
                            mode: 0o755,
                            make_parents: true,
                            owner: None,
                            timestamp: ctx.epoch.map_or(-1, |e| e.wrapping_mul(1_000_000_000)),
                        },
                        chown: (!user.is_empty()).then_some(user),
                    }],
                    Meta::named(custom),
                );
                d.state.output = Some(out);
                with_layer = true;
            }
            d.image.commit(format!("WORKDIR {wd}"), with_layer, false);
        }
        Instruction::User(u) => {
            let user = expand(ctx, &d.state.env, &u.user.value)?;
            d.state.user = Some(user.clone());
            d.image.config.user = user.clone();
            d.image.commit(format!("USER {user}"), false, false);
        }
        _ => {}
    }
    Ok(())
}

/// `system.NormalizeWorkdir` for Linux.
pub fn normalize_workdir(current: &str, requested: &str) -> String {
    super::paths::system_normalize(current, requested, false)
}
