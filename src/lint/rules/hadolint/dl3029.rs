//! DL3029: Flags `FROM --platform=…` unless the value uses `BUILDPLATFORM` or `TARGETPLATFORM`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3029",
    Warning,
    "Do not use --platform flag with FROM",
    DOC
);

const DOC: &str = "\
## What it does
Flags `FROM --platform=…` unless the value uses `BUILDPLATFORM` or `TARGETPLATFORM`.

## Why is this bad?
A fixed platform makes the image build for that platform whatever the build asks for;
the build arguments keep the choice with the caller.

## Example
```dockerfile
FROM --platform=linux/amd64 alpine:3.20
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM alpine:3.20
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("from")) {
        let Some(platform) = i.flag("platform") else {
            continue;
        };
        if !(platform.contains("BUILDPLATFORM") || platform.contains("TARGETPLATFORM")) {
            let span = i
                .node
                .flags
                .iter()
                .find(|f| f.name() == "platform")
                .map_or(i.rest(), |f| f.span);
            out.report(&RULE, i, span, "fixed platform");
        }
    }
}
