//! DL3004: Flags a RUN that calls `sudo`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3004",
    Error,
    "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that calls `sudo`.

## Why is this bad?
sudo has TTY and signal behaviour that does not suit containers; RUN already runs as the
current USER, and `gosu` is the tool for stepping down at run time.

## Example
```dockerfile
FROM debian:12
RUN sudo apt-get update
```

## Use instead
```dockerfile
FROM debian:12
USER root
RUN apt-get update
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "`sudo` in a script", |c| {
        c.name == "sudo"
    });
}
