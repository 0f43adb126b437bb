//! DL3056: Flags a LABEL whose value for a `semver` label of the configured label schema
//! is not a semantic version `MAJOR.MINOR.PATCH[-pre][+build]`.

use crate::lint::hadolint::labels::check_format;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use crate::lint::settings::LabelType;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3056",
    Warning,
    "Label `<label>` does not conform to semantic versioning.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `LABEL` that gives a label of type `semver` in the label schema a value that is not
a semantic version `MAJOR.MINOR.PATCH[-pre][+build]`. Off until the schema names such a label.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.version: semver
```

## Why is this bad?
Version labels are compared by tools that expect semantic versions.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version=\"v1.2\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version=\"1.2.0\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    check_format(file, out, &RULE, LabelType::Semver, valid, |label| {
        format!("Label `{label}` does not conform to semantic versioning.")
    });
}

/// `N.N.N`, then optionally `-` and `+` parts made of `[0-9A-Za-z-]+` identifiers each
/// followed by at most one `.` — the grammar of Haskell's `Data.SemVer` (leading zeros and
/// empty parts allowed).
fn valid(text: &str) -> bool {
    let (core, rest) = match text.find(['-', '+']) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() != 3
        || numbers
            .iter()
            .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let (pre, build) = match rest.strip_prefix('-') {
        Some(r) => match r.find('+') {
            Some(i) => (Some(&r[..i]), Some(&r[i + 1..])),
            None => (Some(r), None),
        },
        None => (None, rest.strip_prefix('+')),
    };
    if pre.is_none() && build.is_none() && !rest.is_empty() {
        return false;
    }
    pre.map_or(true, identifiers) && build.map_or(true, identifiers)
}

/// Identifiers each followed by at most one `.`: no empty identifier between two dots,
/// none at the start.
fn identifiers(text: &str) -> bool {
    let ok_char = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    let parts: Vec<&str> = text.split('.').collect();
    let last = parts.len() - 1;
    parts.iter().enumerate().all(|(i, p)| {
        (p.is_empty() && (i == last || text.is_empty()))
            || (!p.is_empty() && p.bytes().all(ok_char))
    })
}
