//! DL3003: Flags a RUN whose script calls `cd`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3003",
    Warning,
    "Use WORKDIR to switch to a directory",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN whose script calls `cd`.

## Why is this bad?
`cd` lasts only for the one RUN; `WORKDIR` states the directory once for every later
instruction and is easier to read.

## Example
```dockerfile
FROM alpine:3.20
RUN cd /usr/src/app && make
```

## Use instead
```dockerfile
FROM alpine:3.20
WORKDIR /usr/src/app
RUN make
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, false, "`cd` in RUN", |c| c.name == "cd");
}
