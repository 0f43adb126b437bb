//! DL4003: Flags every `CMD` after the first in a stage.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL4003",
    Warning,
    "Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect",
    DOC
);

const DOC: &str = "\
## What it does
Flags every `CMD` after the first in a stage.

## Why is this bad?
Only the last `CMD` of a stage takes effect; the others are dead code that misleads readers.

## Example
```dockerfile
FROM alpine:3.20
CMD [\"a\"]
CMD [\"b\"]
```

## Use instead
```dockerfile
FROM alpine:3.20
CMD [\"b\"]
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::repeats_in_stage(file, out, &RULE, "cmd", "repeated CMD");
}
