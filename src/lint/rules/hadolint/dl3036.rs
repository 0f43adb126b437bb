//! DL3036: Flags a RUN that runs `zypper install` (or `in`) and no later `zypper clean` (or `cc`), unless `/var/cache/zypp` is a cache or tmpfs mount.

use crate::lint::hadolint::{has_cache_mount, shell::Command, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3036",
    Warning,
    "`zypper clean` missing after zypper use.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that runs `zypper install` (or `in`) and no later `zypper clean` (or `cc`),
unless `/var/cache/zypp` is a cache or tmpfs mount.

## Why is this bad?
zypper's package cache stays in the layer, adding size for nothing.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for (i, script) in file.runs(true) {
        match script.find(install) {
            Some(c)
                if !has_cache_mount(i, "/var/cache/zypp")
                    && !script.runs_before(install, clean) =>
            {
                out.report(&RULE, i, i.command_span(c), "zypper cache kept");
            }
            _ => {}
        }
    }
}

fn install(c: &Command) -> bool {
    c.has_args(&["zypper"], &["install", "in"])
}

fn clean(c: &Command) -> bool {
    c.has_args(&["zypper"], &["clean", "cc"])
}
