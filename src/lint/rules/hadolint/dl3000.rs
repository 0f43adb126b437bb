//! DL3000: Flags `WORKDIR` with a relative path (variables and Windows drive paths are accepted).

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3000", Error, "Use absolute WORKDIR", DOC);

const DOC: &str = "\
## What it does
Flags `WORKDIR` with a relative path (variables and Windows drive paths are accepted).

## Why is this bad?
A relative WORKDIR depends on the previous one, which may come from the base image.

## Example
```dockerfile
FROM alpine:3.20
WORKDIR app
```

## Use instead
```dockerfile
FROM alpine:3.20
WORKDIR /app
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("workdir")) {
        let text = i.text();
        let path = text.trim_matches(['"', '\'']);
        let mut chars = path.chars();
        let windows = chars.next().is_some_and(|c| c.is_alphabetic()) && chars.next() == Some(':');
        if !(path.is_empty() || path.starts_with('$') || path.starts_with('/') || windows) {
            out.report(&RULE, i, i.rest(), "relative path");
        }
    }
}
