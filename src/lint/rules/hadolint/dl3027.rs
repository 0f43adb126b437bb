//! DL3027: Flags a RUN that calls `apt`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3027",
    Warning,
    "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that calls `apt`.

## Why is this bad?
`apt`'s interface is meant for people and is not stable for scripts; `apt-get` and
`apt-cache` are.

## Example
```dockerfile
FROM debian:12
RUN apt install -y curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get install -y curl
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "`apt` in a script", |c| {
        c.name == "apt"
    });
}
