//! DL4004: Flags every `ENTRYPOINT` after the first in a stage.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL4004",
    Error,
    "Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect",
    DOC
);

const DOC: &str = "\
## What it does
Flags every `ENTRYPOINT` after the first in a stage.

## Why is this bad?
Only the last `ENTRYPOINT` of a stage takes effect; the others are dead code that misleads readers.

## Example
```dockerfile
FROM alpine:3.20
ENTRYPOINT [\"a\"]
ENTRYPOINT [\"b\"]
```

## Use instead
```dockerfile
FROM alpine:3.20
ENTRYPOINT [\"b\"]
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::repeats_in_stage(file, out, &RULE, "entrypoint", "repeated ENTRYPOINT");
}
