//! Dispatch of one instruction onto a stage: expansion of its words with the stage's
//! environment, then the instruction's effect on the LLB state and the image config.
//! RUN and COPY/ADD live in `run.rs` and `copy.rs`.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{Healthcheck, Instruction};
use crate::shell::{go_quote, Env, Lexer};

use super::error::LowerError;
use super::graph::{Graph, OutRef};
use super::image::HealthConfig;
use super::names::{prefix_command, process_cmd_env, uppercase_cmd};
use super::ops::{self, FileAction, Meta};
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
        other => dispatch_simple(ctx, graph, &mut states[i], cmd, other),
    }
}

fn dispatch_simple(
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
        Instruction::Label(l) => {
            let mut msg = String::from("LABEL");
            for kv in &l.pairs {
                let k = expand(ctx, &d.state.env, &kv.key.value)?;
                let v = expand(ctx, &d.state.env, &kv.value.value)?;
                msg.push_str(&format!(" {k}={v}"));
                d.image.config.labels.insert(k, v);
            }
            d.image.commit(msg, false, false);
        }
        Instruction::Cmd(c) => {
            let mut args = c.command.cmd_line();
            if c.command.prepends_shell() {
                args = with_shell(&d.image.config.shell, &args);
            }
            d.image
                .commit(format!("CMD {}", go_quote_list(&args)), false, false);
            d.image.config.cmd = args;
            d.image.config.args_escaped = true;
            d.cmd_set = true;
        }
        Instruction::Entrypoint(c) => {
            let mut args = c.command.cmd_line();
            if c.command.prepends_shell() {
                args = with_shell(&d.image.config.shell, &args);
            }
            d.image
                .commit(format!("ENTRYPOINT {}", go_quote_list(&args)), false, false);
            d.image.config.entrypoint = args;
            if !d.cmd_set {
                d.image.config.cmd.clear();
            }
        }
        Instruction::Healthcheck(h) => {
            let hc = match &h.check {
                Healthcheck::None => HealthConfig {
                    test: vec!["NONE".into()],
                    ..HealthConfig::default()
                },
                Healthcheck::Cmd(c) => {
                    let nanos = |d: &Option<crate::ast::Spanned<std::time::Duration>>| {
                        d.as_ref().map(|d| d.value.as_nanos() as i64).unwrap_or(0)
                    };
                    HealthConfig {
                        test: h.test(),
                        interval: nanos(&c.interval),
                        timeout: nanos(&c.timeout),
                        start_period: nanos(&c.start_period),
                        start_interval: nanos(&c.start_interval),
                        retries: c.retries.as_ref().map(|r| r.value as i64).unwrap_or(0),
                    }
                }
            };
            let msg = format!(
                "HEALTHCHECK {{Test:[{}] Interval:{} Timeout:{} StartPeriod:{} StartInterval:{} Retries:{}}}",
                hc.test.join(" "),
                go_duration(hc.interval),
                go_duration(hc.timeout),
                go_duration(hc.start_period),
                go_duration(hc.start_interval),
                hc.retries
            );
            d.image.config.healthcheck = Some(hc);
            d.image.commit(msg, false, false);
        }
        Instruction::Expose(e) => {
            let mut ports = Vec::new();
            // The parser sorts the words as written, before expansion.
            for p in &e.sorted_ports() {
                let words = ctx.lexer.process_words(p, &d.state.env).map_err(general)?;
                for w in words {
                    ports.extend(parse_port(&w)?);
                }
            }
            for p in &ports {
                d.image
                    .config
                    .exposed_ports
                    .insert(p.clone(), Default::default());
            }
            d.image
                .commit(format!("EXPOSE [{}]", ports.join(" ")), false, false);
        }
        Instruction::Volume(v) => {
            let mut vols = Vec::new();
            for p in &v.volumes {
                vols.push(expand(ctx, &d.state.env, &p.value)?);
            }
            for p in &vols {
                if p.is_empty() {
                    return Err(general("VOLUME specified can not be an empty string"));
                }
                d.image.config.volumes.insert(p.clone(), Default::default());
            }
            d.image
                .commit(format!("VOLUME [{}]", vols.join(" ")), false, false);
        }
        Instruction::Stopsignal(s) => {
            let sig = expand(ctx, &d.state.env, &s.signal.value)?;
            check_signal(&sig)?;
            d.image.config.stop_signal = sig.clone();
            d.image.commit(format!("STOPSIGNAL {sig}"), false, false);
        }
        Instruction::Shell(s) => {
            let sh: Vec<String> = s.shell.iter().map(|w| w.value.clone()).collect();
            d.image
                .commit(format!("SHELL [{}]", sh.join(" ")), false, false);
            d.image.config.shell = sh;
        }
        Instruction::Maintainer(m) => {
            d.image.author = m.maintainer.value.clone();
            d.image
                .commit(format!("MAINTAINER {}", m.maintainer.value), false, false);
        }
        Instruction::Onbuild(o) => {
            d.image.config.on_build.push(o.expression.value.clone());
        }
        Instruction::Run(_) | Instruction::Copy(_) | Instruction::Add(_) => {}
    }
    Ok(())
}

/// `system.NormalizeWorkdir` for Linux.
pub fn normalize_workdir(current: &str, requested: &str) -> String {
    super::paths::system_normalize(current, requested, false)
}

/// Go's `time.Duration.String` for the values HEALTHCHECK takes.
pub fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, div) = if nanos < 1_000 {
            ("ns", 1)
        } else if nanos < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{}{unit}", trim_frac(nanos as f64 / div as f64));
    }
    let total_secs = nanos / 1_000_000_000;
    let frac = nanos % 1_000_000_000;
    let h = total_secs / 3600;
    let m = (total_secs % 3600) / 60;
    let s = total_secs % 60;
    let mut secs = s.to_string();
    if frac != 0 {
        let f = format!("{frac:09}");
        secs.push('.');
        secs.push_str(f.trim_end_matches('0'));
    }
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&secs);
    out.push('s');
    out
}

fn trim_frac(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn parse_port(raw: &str) -> Result<Vec<String>> {
    let parts: Vec<&str> = raw.split(':').collect();
    let container = parts.last().copied().unwrap_or_default();
    let (port, proto) = container.split_once('/').unwrap_or((container, ""));
    if port.is_empty() {
        return Err(general(format!(
            "invalid port: \"{raw}\": no port specified"
        )));
    }
    let proto = match proto.to_lowercase().as_str() {
        "" => "tcp".to_string(),
        "tcp" | "udp" | "sctp" => proto.to_lowercase(),
        _ => {
            return Err(general(format!(
                "invalid port: \"{raw}\": invalid proto: {proto}"
            )))
        }
    };
    let bad = || general(format!("invalid containerPort: {port}"));
    let num = |s: &str| -> Result<u32> {
        let n: i64 = s.parse().map_err(|_| bad())?;
        if !(0..=65535).contains(&n) {
            return Err(bad());
        }
        Ok(n as u32)
    };
    let (start, end) = match port.split_once('-') {
        Some((a, b)) if a != b => (num(a)?, num(b)?),
        Some((a, _)) => (num(a)?, num(a)?),
        None => (num(port)?, num(port)?),
    };
    if end < start {
        return Err(bad());
    }
    Ok((start..=end).map(|p| format!("{p}/{proto}")).collect())
}

fn check_signal(sig: &str) -> Result<()> {
    let s = sig.trim_start_matches("SIG").to_uppercase();
    if let Ok(n) = sig.parse::<i64>() {
        if n <= 0 {
            return Err(general(format!("invalid signal: {sig}")));
        }
        return Ok(());
    }
    const NAMES: &[&str] = &[
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT",
        "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM",
        "TRAP", "TSTP", "TTIN", "TTOU", "UNUSED", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU",
        "XFSZ", "RTMIN", "RTMAX",
    ];
    if NAMES.contains(&s.as_str()) || s.starts_with("RTMIN+") || s.starts_with("RTMAX-") {
        Ok(())
    } else {
        Err(general(format!("invalid signal: {sig}")))
    }
}
