//! LABEL, CMD, ENTRYPOINT, HEALTHCHECK, EXPOSE, VOLUME, STOPSIGNAL, SHELL, MAINTAINER
//! and ONBUILD: the instructions that only change the image config, with BuildKit's
//! validation (ports, signals) and history entries (Go's `%q` and duration formats).
//!
//! What it does not do: touch the LLB graph.

use crate::ast::{Healthcheck, Instruction};

use super::dispatch::{expand, general, go_quote_list, with_shell, Ctx, Result};
use super::image::HealthConfig;
use super::stage::StageState;

pub fn dispatch(ctx: &Ctx, d: &mut StageState, ins: &Instruction) -> Result<()> {
    match ins {
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
        _ => {}
    }
    Ok(())
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
