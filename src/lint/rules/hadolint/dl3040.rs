//! DL3040: Flags a RUN that runs `dnf` or `microdnf` `install` (`in`, `upgrade`, `up`, `upgrade-minimal`, `up-min`, `reinstall`, `rei`) and no later `clean all` of the same program (or `rm -rf /var/cache/libdnf5*`), unless the libdnf5 cache is a cache or tmpfs mount.

use crate::lint::hadolint::shell::{Command, Script};
use crate::lint::hadolint::{has_cache_mount, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3040",
    Warning,
    "`dnf clean all` missing after dnf command.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that runs `dnf` or `microdnf` `install` (`in`, `upgrade`, `up`,
`upgrade-minimal`, `up-min`, `reinstall`, `rei`) and no later `clean all` of the same
program (or `rm -rf /var/cache/libdnf5*`), unless the libdnf5 cache is a cache or tmpfs
mount.

## Why is this bad?
dnf's package cache stays in the layer, adding size for nothing.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```
";

const INSTALL: &[&str] = &[
    "install",
    "in",
    "upgrade",
    "up",
    "upgrade-minimal",
    "up-min",
    "reinstall",
    "rei",
];

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for (i, script) in file.runs(true) {
        let missing = ["dnf", "microdnf"]
            .iter()
            .find_map(|p| misses_clean(script, p));
        if let Some(install) = missing {
            if !has_cache_mount(i, "/var/cache/libdnf5") && !has_cache_mount(i, ".cache/libdnf5") {
                out.report(&RULE, i, i.command_span(install), "dnf cache kept");
            }
        }
    }
}

/// The install command of `program` when it does not clean its cache afterwards.
fn misses_clean<'s>(script: &'s Script, program: &str) -> Option<&'s Command> {
    let install = |c: &Command| c.has_args(&[program], INSTALL);
    let clean = |c: &Command| {
        c.has_args(&[program], &["clean", "all"])
            || c.has_args(&["rm"], &["-rf", "/var/cache/libdnf5*"])
    };
    let first = script.find(install)?;
    (!script.runs_before(install, clean)).then_some(first)
}
