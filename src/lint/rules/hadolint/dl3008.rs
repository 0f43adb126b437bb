//! DL3008: Flags `apt-get install` of a package without a pinned version (`pkg=1.2.3`); a path or a `.deb` file counts as pinned.

use crate::lint::hadolint::shell::{Command, Script};
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3008",
    Warning,
    "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `apt-get install` of a package without a pinned version (`pkg=1.2.3`); a path or a `.deb` file counts as pinned.

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing, and can break
when a new version is published.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let packages = |s: &Script| {
        let install = |c: &Command| c.is("apt-get", "install");
        super::packages(s, install, &["t", "target-release"], &["install"])
    };
    let pinned = |p: &str| p.contains('=') || p.contains('/') || p.ends_with(".deb");
    super::flag_unpinned(
        file,
        out,
        &RULE,
        "unpinned apt-get package",
        packages,
        pinned,
    );
}
