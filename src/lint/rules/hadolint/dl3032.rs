//! DL3032: Flags a RUN that runs `yum install` and no later `yum clean all` (or `rm -rf /var/cache/yum/*`).

use crate::lint::hadolint::{shell::Command, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3032",
    Warning,
    "`yum clean all` missing after yum command.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that runs `yum install` and no later `yum clean all` (or `rm -rf /var/cache/yum/*`).

## Why is this bad?
yum's package cache stays in the layer, adding size for nothing.

## Example
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for (i, script) in file.runs(true) {
        match script.find(install) {
            Some(c) if !script.runs_before(install, clean) => {
                out.report(&RULE, i, i.command_span(c), "yum cache kept");
            }
            _ => {}
        }
    }
}

fn install(c: &Command) -> bool {
    c.is("yum", "install")
}

fn clean(c: &Command) -> bool {
    c.has_args(&["yum"], &["clean", "all"]) || c.has_args(&["rm"], &["-rf", "/var/cache/yum/*"])
}
