//! DL3030: Flags `yum install` (or `groupinstall`, `localinstall`) without `-y` or `--assumeyes`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3030",
    Warning,
    "Use the -y switch to avoid manual input `yum install -y <package>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `yum install` (or `groupinstall`, `localinstall`) without `-y` or `--assumeyes`.

## Why is this bad?
Without it yum asks for confirmation and the build stops with no one to answer.

## Example
```dockerfile
FROM centos:7
RUN yum install httpd-2.4.6 && yum clean all
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "yum install without -y", |c| {
        c.has_args(&["yum"], &["install", "groupinstall", "localinstall"])
            && !c.has_any_flag(&["y", "assumeyes"])
    });
}
