//! Progress names (`llb.customname`) as BuildKit writes them: the instruction text with
//! variables expanded, its keyword upper-cased, prefixed with `[stage n/m] `.

use crate::shell::{Env, Lexer};

use super::stage::StageState;

/// `uppercaseCmd`: the first space-separated word upper-cased.
pub fn uppercase_cmd(s: &str) -> String {
    match s.split_once(' ') {
        Some((a, b)) => format!("{} {b}", a.to_uppercase()),
        None => s.to_uppercase(),
    }
}

/// `processCmdEnv`: the text expanded, or as is when expansion fails.
pub fn process_cmd_env(lexer: &Lexer, cmd: &str, env: &dyn Env) -> String {
    lexer
        .process_word(cmd, env)
        .unwrap_or_else(|_| cmd.to_string())
}

/// `prefixCommand`: `[name i/n] ` before `s`, advancing the step counter.
pub fn prefix_command(ds: &mut StageState, s: &str) -> String {
    if ds.cmd_total == 0 {
        return s.to_string();
    }
    let mut out = String::from("[");
    if !ds.stage_name.is_empty() {
        out.push_str(&ds.stage_name);
        out.push(' ');
    }
    ds.cmd_index += 1;
    let width = 1 + (ds.cmd_total as f64).log10() as usize;
    out.push_str(&format!(
        "{:>width$}/{}] ",
        ds.cmd_index,
        ds.cmd_total,
        width = width
    ));
    if ds.cmd_is_onbuild {
        out.push_str("ONBUILD ");
    }
    out + s
}
