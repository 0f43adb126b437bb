//! DL3061: Flags every instruction before the first `FROM` other than `ARG`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3061",
    Error,
    "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.",
    DOC
);

const DOC: &str = "\
## What it does
Flags every instruction before the first `FROM` other than `ARG`.

## Why is this bad?
Only `ARG` may come before the first stage; anything else has no stage to belong to and
BuildKit refuses it.

## Example
```dockerfile
LABEL maintainer=\"ops@example.com\"
FROM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL maintainer=\"ops@example.com\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in &file.instrs {
        if i.is("from") {
            return;
        }
        if !i.is("arg") {
            out.report(&RULE, i, i.node.keyword_span, "before the first FROM");
        }
    }
}
