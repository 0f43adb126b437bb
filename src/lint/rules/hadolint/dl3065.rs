//! DL3065: Flags `FROM --platform=$TARGETPLATFORM`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3065",
    Warning,
    "Setting `FROM --platform` to predefined `$TARGETPLATFORM` in is redundant as this is the default behavior",
    DOC
);

const DOC: &str = "\
## What it does
Flags `FROM --platform=$TARGETPLATFORM`.

## Why is this bad?
The target platform is already the default; the flag only adds noise.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("from")) {
        if matches!(
            i.flag("platform"),
            Some("$TARGETPLATFORM" | "${TARGETPLATFORM}")
        ) {
            let span = i.node.flags.first().map_or(i.node.keyword_span, |f| f.span);
            out.report(&RULE, i, span, "redundant --platform");
        }
    }
}
