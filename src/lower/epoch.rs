//! `SOURCE_DATE_EPOCH`, as BuildKit's frontend reads it (`dockerfile2llb/epoch.go`):
//! the value of the build arg (or of a global `ARG` with a non-empty default) is a
//! decimal number of seconds, `context`, or the name of a *source stage* (`FROM scratch`
//! holding only `ARG`s and exactly one remote `ADD`). Anything else is
//! `invalid SOURCE_DATE_EPOCH: <value>`.
//!
//! A number becomes the build's epoch: every history entry gets it as `created`, the
//! WORKDIR mkdir gets it as its timestamp, and the ARG keeps the number in canonical
//! form. `context` and a valid source stage name a time BuildKit asks its gateway for
//! (the build context's or the source's metadata); dfc has no gateway, so, like BuildKit's
//! frontend run without a client (the fidelity references), they give no epoch and the
//! ARG is removed. The source stage is still checked, with BuildKit's errors.

use std::collections::BTreeMap;

use crate::ast::{Dockerfile, Instruction, Stage};
use crate::shell::Lexer;

use super::error::LowerError;
use super::git::{parse_git_ref, GitRefError};
use super::state::EnvList;

const KEY: &str = "SOURCE_DATE_EPOCH";

/// `getBuildArgValue`: the build arg (even empty), else a non-empty global value.
pub fn configured(build_args: &BTreeMap<String, String>, global: &EnvList) -> Option<String> {
    use crate::shell::Env;
    if let Some(v) = build_args.get(KEY) {
        return Some(v.clone());
    }
    global
        .get(KEY)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Resolves the configured value to seconds since 1970 (`None`: no epoch).
pub fn resolve(
    value: &str,
    file: &Dockerfile,
    global: &EnvList,
    build_args: &BTreeMap<String, String>,
    lexer: &Lexer,
) -> Result<Option<i64>, LowerError> {
    if value.is_empty() {
        return Ok(None);
    }
    if let Some(n) = go_parse_int(value) {
        return Ok(Some(n));
    }
    if value == "context" {
        return Ok(None);
    }
    let Some(stage) = file
        .stages
        .iter()
        .find(|s| s.name().is_some_and(|n| n.eq_ignore_ascii_case(value)))
    else {
        return Err(LowerError::general(format!("invalid {KEY}: {value}")));
    };
    let mut args = global.clone();
    args.delete(KEY);
    check_source_stage(stage, build_args, args, lexer)
        .map_err(|message| LowerError::at(stage.from.span, message))?;
    Ok(None)
}

/// `setBuildArgValue`: the resolved value replaces the configured one where it was set;
/// no epoch removes it.
pub fn apply(epoch: Option<i64>, build_args: &mut BTreeMap<String, String>, global: &mut EnvList) {
    use crate::shell::Env;
    let value = epoch.map(|n| n.to_string());
    if build_args.contains_key(KEY) {
        match &value {
            Some(v) => {
                build_args.insert(KEY.into(), v.clone());
            }
            None => {
                build_args.remove(KEY);
            }
        }
    }
    if global.get(KEY).is_some() {
        match &value {
            Some(v) => global.add_or_replace(KEY, v),
            None => global.delete(KEY),
        }
    }
}

/// `sourceDateEpochStageSource`: the stage must be `FROM scratch` with only ARGs and
/// one remote ADD.
fn check_source_stage(
    stage: &Stage,
    build_args: &BTreeMap<String, String>,
    mut env: EnvList,
    lexer: &Lexer,
) -> Result<(), String> {
    let base = lexer.process_word(stage.base(), &env).map_err(|e| {
        format!(
            "failed to process source stage base name \"{}\": {e}",
            stage.base()
        )
    })?;
    if base != "scratch" {
        return Err(format!("{KEY} stage must use FROM scratch"));
    }
    let mut found = false;
    for ins in &stage.instructions {
        match ins {
            Instruction::Arg(a) => {
                for pair in &a.args {
                    let key = &pair.key.value;
                    if let Some(v) = build_args.get(key) {
                        env.add_or_replace(key, v);
                        continue;
                    }
                    let Some(v) = &pair.value else { continue };
                    let v = lexer
                        .process_word(&v.value, &env)
                        .map_err(|e| e.to_string())?;
                    env.add_or_replace(key, &v);
                }
            }
            Instruction::Add(add) => {
                if found {
                    return Err(format!("{KEY} stage must contain exactly one remote ADD"));
                }
                if !add.heredocs.is_empty() || add.sources.len() != 1 {
                    return Err(format!(
                        "{KEY} stage must contain exactly one remote ADD source"
                    ));
                }
                let src = lexer
                    .process_word(&add.sources[0].value, &env)
                    .map_err(|e| e.to_string())?;
                let checksum = add
                    .checksum
                    .as_ref()
                    .map(|c| lexer.process_word(&c.value, &env))
                    .transpose()
                    .map_err(|e| e.to_string())?;
                if super::copy::is_http(&src) {
                    if let Some(c) = checksum.filter(|c| !c.is_empty()) {
                        super::copy::check_digest(&c)?;
                    }
                } else {
                    match parse_git_ref(&src) {
                        Err(GitRefError::Invalid(m)) => return Err(m),
                        Ok(r) if !r.indistinguishable_from_local => {}
                        _ => {
                            return Err(format!(
                                "{KEY} stage source must be a single HTTP(S) or Git ADD"
                            ))
                        }
                    }
                }
                found = true;
            }
            other => {
                return Err(format!(
                "{KEY} stage does not meet source-only requirements: unsupported {} instruction",
                other.keyword().value
            ))
            }
        }
    }
    if !found {
        return Err(format!("{KEY} stage must contain exactly one remote ADD"));
    }
    Ok(())
}

/// Go's `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The epoch as Go's `time.Time` marshals to JSON (RFC 3339, UTC, whole seconds), or
/// Go's error for years outside 0..=9999.
pub fn rfc3339(secs: i64) -> Result<String, String> {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return Err(
            "json: error calling MarshalJSON for type *time.Time: Time.MarshalJSON: year outside of range [0,9999]"
                .into(),
        );
    }
    Ok(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(-1).unwrap(), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(951_782_400).unwrap(), "2000-02-29T00:00:00Z");
        assert!(rfc3339(253_402_300_800).is_err()); // 10000-01-01
    }

    #[test]
    fn parses_like_strconv() {
        assert_eq!(go_parse_int("+5"), Some(5));
        assert_eq!(go_parse_int("-5"), Some(-5));
        assert_eq!(go_parse_int(" 5"), None);
        assert_eq!(go_parse_int("5s"), None);
        assert_eq!(go_parse_int("99999999999999999999"), None);
    }
}
