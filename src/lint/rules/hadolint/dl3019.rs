//! DL3019: Flags `apk add` without `--no-cache`, unless `/var/cache/apk` is a cache or tmpfs mount.

use crate::lint::hadolint::{has_cache_mount, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3019",
    Info,
    "Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages",
    DOC
);

const DOC: &str = "\
## What it does
Flags `apk add` without `--no-cache`, unless `/var/cache/apk` is a cache or tmpfs mount.

## Why is this bad?
Without `--no-cache` the package index stays in the layer and makes the image larger.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add --update curl=8.9.1-r0
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for (i, script) in file.runs(true) {
        if has_cache_mount(i, "/var/cache/apk") {
            continue;
        }
        let apk_add = super::dl3018::apk_add;
        if let Some(c) = script.find(|c| apk_add(c) && !c.has_flag("no-cache")) {
            out.report(&RULE, i, i.command_span(c), "apk add without --no-cache");
        }
    }
}
