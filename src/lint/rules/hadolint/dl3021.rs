//! DL3021: Flags a `COPY` of several sources whose destination does not end with `/`.

use crate::lint::hadolint::{docker, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3021",
    Error,
    "COPY with more than 2 arguments requires the last argument to end with /",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `COPY` of several sources whose destination does not end with `/`.

## Why is this bad?
With several sources the destination must be a directory; BuildKit refuses the build
otherwise.

## Example
```dockerfile
FROM alpine:3.20
COPY a.txt b.txt /srv
```

## Use instead
```dockerfile
FROM alpine:3.20
COPY a.txt b.txt /srv/
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("copy")) {
        let Some(args) = docker::copy_args(i) else {
            continue;
        };
        if args.sources.len() > 1 && !docker::drop_quotes(args.target).ends_with('/') {
            let span = i.node.args.last().map_or(i.rest(), |a| a.span);
            out.report(&RULE, i, span, "destination is not a directory");
        }
    }
}
