//! `SOURCE_DATE_EPOCH` given as a global ARG default, checked as BuildKit's converter
//! does right after the global ARGs: a number of seconds, `context`, or the name of a
//! source-only stage (`FROM scratch`, ARGs, exactly one ADD of one source). What needs
//! the network or the build context (fetching that source) is not done here.

use crate::ast::{Dockerfile, Instruction};

use super::Globals;

/// The error BuildKit stops with for this `SOURCE_DATE_EPOCH`, if any.
pub fn check(tree: &Dockerfile, globals: &Globals) -> Result<(), String> {
    let Some(value) = globals.args.get("SOURCE_DATE_EPOCH") else {
        return Ok(());
    };
    if value.is_empty() || value.parse::<i64>().is_ok() || value == "context" {
        return Ok(());
    }
    let wanted = value.to_lowercase();
    let Some(stage) = tree
        .stages
        .iter()
        .find(|s| s.name() == Some(wanted.as_str()))
    else {
        return Err(format!("invalid SOURCE_DATE_EPOCH: {value}"));
    };
    let mut args = globals.args.clone();
    args.remove("SOURCE_DATE_EPOCH");
    let base = globals
        .lexer
        .process_word(stage.base(), &args)
        .map_err(|e| {
            format!(
                "failed to process source stage base name {}: {e}",
                crate::shell::go_quote(stage.base())
            )
        })?;
    if base != "scratch" {
        return Err("SOURCE_DATE_EPOCH stage must use FROM scratch".to_string());
    }
    let mut adds = 0;
    for instruction in &stage.instructions {
        match instruction {
            Instruction::Arg(_) => {}
            Instruction::Add(add) => {
                adds += 1;
                if adds > 1 {
                    return Err(
                        "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD".to_string()
                    );
                }
                if !add.heredocs.is_empty() || add.sources.len() != 1 {
                    return Err(
                        "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source"
                            .to_string(),
                    );
                }
            }
            other => {
                return Err(format!(
                    "SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported {} instruction",
                    other.keyword().value
                ))
            }
        }
    }
    if adds == 0 {
        return Err("SOURCE_DATE_EPOCH stage must contain exactly one remote ADD".to_string());
    }
    Ok(())
}
