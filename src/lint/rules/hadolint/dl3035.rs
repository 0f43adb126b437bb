//! DL3035: Flags `zypper dist-upgrade` (or `dup`).

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3035", Warning, "Do not use `zypper dist-upgrade`.", DOC);

const DOC: &str = "\
## What it does
Flags `zypper dist-upgrade` (or `dup`).

## Why is this bad?
A distribution upgrade inside an image build changes everything the base image pinned;
choose a newer base image instead.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper dist-upgrade -y
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "zypper dist-upgrade", |c| {
        c.has_args(&["zypper"], &["dist-upgrade", "dup"])
    });
}
