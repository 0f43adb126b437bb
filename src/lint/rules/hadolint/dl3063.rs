//! DL3063: Flags a stage named `scratch` or `context`.

use crate::lint::hadolint::{BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3063",
    Warning,
    "stage name should not be a reserved word",
    DOC
);

const DOC: &str = "\
## What it does
Flags a stage named `scratch` or `context`.

## Why is this bad?
`scratch` names the empty image and `context` the build context: a stage with either name
is confusing at best.

## Example
```dockerfile
FROM alpine:3.20 AS scratch
```

## Use instead
```dockerfile
FROM alpine:3.20 AS base
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("from")) {
        if matches!(
            BaseImage::read(i).alias.as_deref(),
            Some("scratch" | "context")
        ) {
            let span = i.node.args.last().map_or(i.rest(), |a| a.span);
            out.report(&RULE, i, span, "reserved stage name");
        }
    }
}
