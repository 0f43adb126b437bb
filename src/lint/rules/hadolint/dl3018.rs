//! DL3018: Flags `apk add` of a package without a version constraint (`=`, `~`, `>`, `<`); a `.apk` file counts as pinned.

use crate::lint::hadolint::shell::{Command, Script};
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3018",
    Warning,
    "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `apk add` of a package without a version constraint (`=`, `~`, `>`, `<`); a `.apk` file counts as pinned.

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let packages =
        |s: &Script| super::packages(s, apk_add, &["t", "virtual", "repository", "X"], &["add"]);
    let pinned = |p: &str| p.contains(['=', '~', '>', '<']) || p.ends_with(".apk");
    super::flag_unpinned(file, out, &RULE, "unpinned apk package", packages, pinned);
}

/// `apk add` (shared with DL3019).
pub(crate) fn apk_add(c: &Command) -> bool {
    c.is("apk", "add")
}
