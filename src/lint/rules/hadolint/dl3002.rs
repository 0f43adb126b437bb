//! DL3002: Flags the last `USER` of a stage when it is `root` or `0`.

use crate::lint::hadolint::{File, Instr, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3002", Warning, "Last USER should not be root", DOC);

const DOC: &str = "\
## What it does
Flags the last `USER` of a stage when it is `root` or `0`.

## Why is this bad?
A container that runs as root gives an attacker who breaks in root in the container.

## Example
```dockerfile
FROM alpine:3.20
USER root
```

## Use instead
```dockerfile
FROM alpine:3.20
USER 65534
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    // Per stage, the last USER when it is root.
    let mut last_root: Vec<Option<&Instr<'_>>> = Vec::new();
    for i in file.instrs.iter().filter(|i| !i.onbuild) {
        if i.keyword == "from" {
            last_root.push(None);
        } else if i.keyword == "user" {
            let user = i.text();
            let root = user == "root"
                || user == "0"
                || user.starts_with("root:")
                || user.starts_with("0:");
            if let Some(slot) = last_root.last_mut() {
                *slot = root.then_some(i);
            }
        }
    }
    for i in last_root.into_iter().flatten() {
        out.report(&RULE, i, i.rest(), "root user");
    }
}
