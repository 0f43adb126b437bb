//! DL3067: Flags `COPY --from=… / /`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3067",
    Warning,
    "Do not copy an entire filesystem from another stage",
    DOC
);

const DOC: &str = "\
## What it does
Flags `COPY --from=… / /`.

## Why is this bad?
Copying a whole root filesystem over another duplicates everything, including files that
belong to the base image, and defeats the point of stages.

## Example
```dockerfile
FROM alpine:3.20 AS build
FROM scratch
COPY --from=build / /
```

## Use instead
```dockerfile
FROM alpine:3.20 AS build
FROM scratch
COPY --from=build /app /app
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file
        .instrs
        .iter()
        .filter(|i| i.is("copy") && i.flag("from").is_some())
    {
        let args = &i.node.args;
        let root = |t: &str| t.trim_matches(['"', '\'']) == "/";
        if let Some((target, sources)) = args.split_last() {
            if root(&target.value) && sources.iter().any(|s| root(&s.value)) {
                out.report(&RULE, i, i.rest(), "whole filesystem");
            }
        }
    }
}
