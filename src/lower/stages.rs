//! The stage graph: stage states registered by name, the stages each command reads
//! (`COPY --from`, `RUN --mount from=`, creating states for images named there), ONBUILD
//! triggers taken over from a base image or stage, cycle detection and reachability
//! from the target.
//!
//! What it does not do: resolve images (`base.rs`) or dispatch instructions.

use std::collections::{BTreeSet, HashMap};

use crate::ast::Instruction;
use crate::shell::Lexer;
use crate::syntax::Span;

use super::error::LowerError;
use super::stage::{Command, StageState};
use super::state::EnvList;

pub(super) fn add_state(
    states: &mut Vec<StageState>,
    by_name: &mut HashMap<String, usize>,
    mut ds: StageState,
) {
    if let Some(b) = by_name.get(&ds.base_name) {
        ds.base = Some(*b);
    }
    let idx = states.len();
    if let Some(n) = &ds.name {
        by_name.insert(n.to_lowercase(), idx);
    }
    states.push(ds);
}

/// The stages a command reads, creating states for images named by `--from`.
pub(super) fn command_sources(
    c: &Command,
    lexer: &Lexer,
    states: &mut Vec<StageState>,
    by_name: &mut HashMap<String, usize>,
) -> Result<Vec<Option<usize>>, LowerError> {
    let mut find = |from: &str, span: Span| -> usize {
        if let Some(i) = by_name.get(&from.to_lowercase()) {
            return *i;
        }
        add_state(
            states,
            by_name,
            StageState {
                base_name: from.to_string(),
                unregistered: true,
                span,
                ..StageState::default()
            },
        );
        states.len() - 1
    };
    match &c.instruction {
        Instruction::Copy(cp) => {
            let Some(from) = &cp.from else {
                return Ok(vec![]);
            };
            let expanded = lexer
                .process_word(&from.value, &EnvList::new())
                .map_err(|e| LowerError::at(cp.span, e.to_string()))?;
            if expanded != from.value {
                return Err(LowerError::at(cp.span, "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround"));
            }
            if let Ok(index) = from.value.parse::<i64>() {
                if index < 0 || index as usize >= states.len() {
                    return Err(LowerError::at(
                        cp.span,
                        format!("invalid stage index {index}"),
                    ));
                }
                return Ok(vec![Some(index as usize)]);
            }
            Ok(vec![Some(find(&from.value, cp.span))])
        }
        Instruction::Run(r) => {
            let mut out = Vec::new();
            for m in &r.mounts {
                let resolved = m.resolve::<String>(&mut |s| Ok(s.to_string()));
                let from = resolved.map(|m| m.from).unwrap_or_default();
                let from = if from.is_empty() {
                    "scratch".to_string()
                } else {
                    from
                };
                out.push(Some(find(&from, r.span)));
            }
            Ok(out)
        }
        _ => Ok(vec![]),
    }
}

/// Prepends the ONBUILD triggers a stage inherits (from its base image's config, or the
/// ONBUILD instructions of its base stage) to its commands. Returns whether a trigger
/// reads another stage.
pub(super) fn init_onbuild(
    states: &mut Vec<StageState>,
    d: usize,
    lexer: &Lexer,
    by_name: &mut HashMap<String, usize>,
) -> Result<bool, LowerError> {
    let mut triggers: Vec<String> = match states[d].base {
        None => std::mem::take(&mut states[d].image.config.on_build),
        Some(_) => Vec::new(),
    };
    if let Some(b) = states[d].base {
        if !states[d].onbuild_init {
            for c in &states[b].commands {
                if let Instruction::Onbuild(o) = &c.instruction {
                    triggers.push(o.expression.value.clone());
                }
            }
            states[d].onbuild_init = true;
        }
    }
    if triggers.is_empty() {
        return Ok(false);
    }
    let span = states[d].span;
    let mut cmds = Vec::new();
    let mut new_deps = false;
    for t in &triggers {
        let parsed = crate::syntax::parse(t);
        if let Some(e) = parsed.errors.first() {
            return Err(LowerError::at(span, e.to_string()));
        }
        if parsed.file.nodes.len() != 1 {
            return Err(LowerError::at(
                span,
                "onbuild trigger should be a single expression",
            ));
        }
        let node = &parsed.file.nodes[0];
        let instruction = match crate::ast::parse_instruction(node) {
            Ok(crate::ast::Parsed::Instruction(i)) => i,
            Ok(crate::ast::Parsed::Stage(_)) => {
                return Err(LowerError::at(
                    span,
                    "FROM isn't allowed as an ONBUILD trigger",
                ))
            }
            Err(e) => return Err(LowerError::at(span, e.to_string())),
        };
        let mut cmd = Command {
            instruction,
            code: node.original.trim().to_string(),
            sources: Vec::new(),
            on_build: true,
        };
        cmd.sources = command_sources(&cmd, lexer, states, by_name)?;
        for s in cmd.sources.iter().flatten() {
            new_deps = true;
            if !states[d].deps.contains(s) {
                states[d].deps.push(*s);
            }
        }
        cmds.push(cmd);
    }
    states[d].cmd_total += cmds.len();
    cmds.append(&mut states[d].commands);
    states[d].commands = cmds;
    Ok(new_deps)
}

pub(super) fn check_cycles(states: &[StageState]) -> Result<(), LowerError> {
    // Depth-first search with colours over base and deps.
    fn visit(states: &[StageState], i: usize, colour: &mut [u8]) -> bool {
        if colour[i] == 1 {
            return false;
        }
        if colour[i] == 2 {
            return true;
        }
        colour[i] = 1;
        let nexts: Vec<usize> = states[i]
            .deps
            .iter()
            .copied()
            .chain(states[i].base)
            .collect();
        for nx in nexts {
            if !visit(states, nx, colour) {
                return false;
            }
        }
        colour[i] = 2;
        true
    }
    // BuildKit names the first stage (in file order) from which a cycle is reachable.
    let mut colour = vec![0u8; states.len()];
    for (i, st) in states.iter().enumerate() {
        if !visit(states, i, &mut colour) {
            return Err(LowerError::general(format!(
                "circular dependency detected on stage: {}",
                st.stage_name
            )));
        }
    }
    Ok(())
}

pub(super) fn reachable_from(states: &[StageState], target: usize) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut stack = vec![target];
    while let Some(i) = stack.pop() {
        if !out.insert(i) {
            continue;
        }
        stack.extend(states[i].base);
        stack.extend(states[i].deps.iter().copied());
    }
    out
}
