//! DL3038: Flags `dnf` or `microdnf` `install` (or `groupinstall`, `localinstall`) without `-y` or `--assumeyes`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3038",
    Warning,
    "Use the -y switch to avoid manual input `dnf install -y <package>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `dnf` or `microdnf` `install` (or `groupinstall`, `localinstall`) without `-y` or
`--assumeyes`.

## Why is this bad?
Without it dnf asks for confirmation and the build stops with no one to answer.

## Example
```dockerfile
FROM fedora:40
RUN dnf install httpd-2.4.62 && dnf clean all
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "dnf install without -y", |c| {
        c.has_args(
            &["dnf", "microdnf"],
            &["install", "groupinstall", "localinstall"],
        ) && !c.has_any_flag(&["y", "assumeyes"])
    });
}
