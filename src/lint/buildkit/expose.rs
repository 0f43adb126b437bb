//! EXPOSE port specs as BuildKit parses them (`[ip:][hostPort:]containerPort[/proto]`),
//! reporting ExposeProtoCasing and ExposeInvalidFormat, and BuildKit's errors for specs
//! it rejects.

use crate::lint::config::CheckConfig;
use crate::lint::rules::buildkit as rules;
use crate::lint::sink::Sink;
use crate::syntax::Span;

/// Checks one expanded port word; `Err` is BuildKit's error for an invalid spec.
pub(super) fn check_port(
    sink: &mut Sink,
    config: &CheckConfig,
    raw: &str,
    span: Span,
    whole: Span,
) -> Result<(), String> {
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    let (ip, host_port, container) = match n {
        1 => (String::new(), "", parts[0]),
        2 => (String::new(), parts[0], parts[1]),
        3 => (parts[0].to_string(), parts[1], parts[2]),
        _ => (parts[..n - 2].join(":"), parts[n - 2], parts[n - 1]),
    };
    let (port, proto) = match container.split_once('/') {
        Some((p, proto)) => (p, if proto.is_empty() { "tcp" } else { proto }),
        None => (container, "tcp"),
    };
    if port.is_empty() {
        return Err(format!(
            "invalid port: {}: no port specified: {container}<empty>",
            crate::shell::go_quote(raw)
        ));
    }
    rules::expose_proto_casing::check(sink, config, raw, proto, span, whole);
    rules::expose_invalid_format::check(
        sink,
        config,
        raw,
        !ip.is_empty() || !host_port.is_empty(),
        span,
        whole,
    );
    let (start, end) = port_range(port).ok_or_else(|| format!("invalid containerPort: {port}"))?;
    if !host_port.is_empty() {
        let (hs, he) =
            port_range(host_port).ok_or_else(|| format!("invalid hostPort: {host_port}"))?;
        if end - start != he - hs && end != start {
            return Err(format!(
                "invalid ranges specified for container and host Ports: {port} and {host_port}"
            ));
        }
    }
    Ok(())
}

fn port_range(ports: &str) -> Option<(i64, i64)> {
    let number = |s: &str| s.parse::<i64>().ok().filter(|p| (0..=65535).contains(p));
    if ports.is_empty() {
        return None;
    }
    match ports.split_once('-') {
        None => number(ports).map(|p| (p, p)),
        Some((a, b)) if a == b => number(a).map(|p| (p, p)),
        Some((a, b)) => {
            let (s, e) = (number(a)?, number(b)?);
            (e >= s).then_some((s, e))
        }
    }
}
