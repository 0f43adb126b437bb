//! DL3048: Flags a `LABEL` key that is not lower-case letters, digits, `.`, `-`, `_` and `/`, starting with a letter and ending with a letter or digit, without `..` or `--`, outside the reserved `com.docker.`, `io.docker.` and `org.dockerproject.` namespaces.

use crate::lint::hadolint::{docker, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3048", Style, "Invalid label key.", DOC);

const DOC: &str = "\
## What it does
Flags a `LABEL` key that is not lower-case letters, digits, `.`, `-`, `_` and `/`, starting
with a letter and ending with a letter or digit, without `..` or `--`, outside the reserved
`com.docker.`, `io.docker.` and `org.dockerproject.` namespaces.

## Why is this bad?
Docker's label key format keeps keys portable between tools; the reserved namespaces belong
to Docker itself.

## Example
```dockerfile
FROM alpine:3.20
LABEL Maintainer=\"ops@example.com\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL maintainer=\"ops@example.com\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("label")) {
        if docker::pairs(i).iter().any(|(key, _)| invalid(key)) {
            out.report(&RULE, i, i.rest(), "invalid key");
        }
    }
}

fn invalid(key: &str) -> bool {
    let first_ok = key.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let last_ok = key
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let chars_ok = key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_/".contains(c));
    let reserved = ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|p| key.starts_with(p));
    !first_ok || !last_ok || !chars_ok || reserved || key.contains("..") || key.contains("--")
}
