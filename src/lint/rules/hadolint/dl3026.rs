//! DL3026: Flags a base image (`FROM`, `COPY --from`, `RUN --mount from=`) from a
//! registry outside the configured trusted ones. Off when no registry is configured.

use crate::lint::hadolint::{BaseImage, File, Instr, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3026",
    Error,
    "Use only an allowed registry in the FROM image",
    DOC
);

const DOC: &str = "\
## What it does
Flags `FROM`, `COPY --from` and `RUN --mount=from=` images whose registry is not one of the
trusted registries. An image without a registry comes from Docker Hub (`docker.io` or
`hub.docker.com` must be trusted); `scratch` and earlier stages are always allowed. A
trusted entry may start or end with `*` (`*.example.com`, `registry.example.*`). The rule
is off until a trusted registry is configured.

## Configuration
```yaml
trustedRegistries:
  - docker.io
```

## Why is this bad?
Images from unknown registries may not be vetted, mirrored or available.

## Example
```dockerfile
FROM quay.io/prometheus/busybox:latest
```

## Use instead
```dockerfile
FROM docker.io/library/busybox:1.36
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let allowed = out.settings().trusted_registries.clone();
    if allowed.is_empty() {
        return;
    }
    let mut aliases: Vec<String> = Vec::new();
    for i in file.instrs.iter().filter(|i| !i.onbuild) {
        match i.keyword.as_str() {
            "from" => {
                let reference = i.node.args.first().map_or("", |a| a.value.as_str());
                let image = from_image(reference);
                if !trusted(&image, &aliases, &allowed) {
                    out.report(&RULE, i, BaseImage::span(i), "registry not trusted");
                }
                let alias = match i.node.args.get(1) {
                    Some(a) if a.value.eq_ignore_ascii_case("as") => i.node.args.get(2),
                    _ => None,
                };
                if let Some(a) = alias {
                    aliases.push(a.value.clone());
                }
            }
            "copy" => {
                if let Some(source) = i.flag("from") {
                    if !trusted(&named_image(source), &aliases, &allowed) {
                        report_flag(out, i, "from");
                    }
                }
            }
            "run" => {
                let untrusted = mount_sources(i)
                    .iter()
                    .any(|s| !trusted(&named_image(s), &aliases, &allowed));
                if untrusted {
                    report_flag(out, i, "mount");
                }
            }
            _ => {}
        }
    }
}

fn report_flag(out: &mut Out<'_, '_>, i: &Instr<'_>, name: &str) {
    let span = i
        .node
        .flags
        .iter()
        .find(|f| f.name().eq_ignore_ascii_case(name))
        .map_or(i.rest(), |f| f.span);
    out.report(&RULE, i, span, "registry not trusted");
}

/// An image as hadolint splits it: registry (if any) and name without tag or digest.
struct Image {
    registry: Option<String>,
    name: String,
}

/// `FROM`'s reference as hadolint's parser reads it: a registry is the text up to the
/// first `.` (a `${…}` is opaque), the `.`, and the text up to the next `/`; the name
/// runs to the first `:` or `@`.
fn from_image(reference: &str) -> Image {
    let (registry, rest) = match split_registry(reference) {
        Some(end) => (Some(reference[..end].to_string()), &reference[end + 1..]),
        None => (None, reference),
    };
    let name_end = scan(rest, |c| c == ':' || c == '@').unwrap_or(rest.len());
    Image {
        registry,
        name: rest[..name_end].to_string(),
    }
}

/// The byte offset of the `/` ending the registry of `reference`, if it has one.
fn split_registry(reference: &str) -> Option<usize> {
    let dot = scan(reference, |c| c == '.')?;
    if dot == 0 {
        return None;
    }
    let slash = dot + 1 + reference[dot + 1..].find('/')?;
    (slash > dot + 1).then_some(slash)
}

/// The first position of a character matching `stop`, outside `${…}`.
fn scan(text: &str, stop: impl Fn(char) -> bool) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|&(_, n)| n == '{') {
            chars.next();
            depth += 1;
        } else if depth > 0 && c == '}' {
            depth -= 1;
        } else if depth > 0 && c == '{' {
            depth += 1;
        } else if depth == 0 && stop(c) {
            return Some(i);
        }
    }
    None
}

/// An image named in a flag (`COPY --from`, `--mount from=`): a registry only when there
/// is a `/` and the first part has a `.`.
fn named_image(text: &str) -> Image {
    match text.split_once('/') {
        Some((first, rest)) if first.contains('.') => Image {
            registry: Some(first.to_string()),
            name: rest.to_string(),
        },
        _ => Image {
            registry: None,
            name: text.to_string(),
        },
    }
}

/// `from=` of the cache and bind mounts of a RUN (`scratch` when absent).
fn mount_sources(i: &Instr<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for flag in i.node.flags.iter().filter(|f| f.name() == "mount") {
        let Some(value) = flag.value() else { continue };
        let fields: Vec<(&str, &str)> = value
            .split(',')
            .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
            .collect();
        let kind = fields
            .iter()
            .find(|(k, _)| *k == "type")
            .map_or("bind", |(_, v)| v);
        if matches!(kind, "bind" | "cache") {
            let from = fields.iter().find(|(k, _)| *k == "from").map(|(_, v)| *v);
            out.push(from.unwrap_or("scratch").to_string());
        }
    }
    out
}

fn trusted(image: &Image, aliases: &[String], allowed: &[String]) -> bool {
    if aliases.contains(&image.name) {
        return true;
    }
    let allows = |registry: &str| allowed.iter().any(|a| matches(a, registry));
    match &image.registry {
        Some(r) => allows(r),
        None => image.name == "scratch" || allows("docker.io") || allows("hub.docker.com"),
    }
}

/// A trusted-registry entry against a registry: `*` alone, `*suffix`, `prefix*`, exact.
fn matches(allow: &str, registry: &str) -> bool {
    if allow == "*" {
        true
    } else if let Some(suffix) = allow.strip_prefix('*') {
        registry.ends_with(suffix)
    } else if let Some(prefix) = allow.strip_suffix('*') {
        registry.starts_with(prefix)
    } else {
        registry == allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registries_as_hadolint() {
        let r = |s: &str| from_image(s).registry;
        assert_eq!(
            r("docker.io/library/ubuntu:22.04").as_deref(),
            Some("docker.io")
        );
        assert_eq!(r("my.reg:5000/img").as_deref(), Some("my.reg:5000"));
        assert_eq!(r("ubuntu:22.04"), None);
        assert_eq!(r("localhost:5000/img"), None);
        assert_eq!(from_image("localhost:5000/img").name, "localhost");
        assert_eq!(r("${REG:-a.b}/img"), None);
        assert!(matches("*.example.com", "a.example.com"));
        assert!(matches("reg.*", "reg.io"));
        assert!(!matches("docker.io", "quay.io"));
    }
}
