//! DL3040: Flags a RUN that runs `dnf` or `microdnf` `install` (`in`, `upgrade`, `up`, `upgrade-minimal`, `up-min`, `reinstall`, `rei`) and no later `clean all` of the same program (or `rm -rf /var/cache/libdnf5*`), unless the libdnf5 cache is a cache or tmpfs mount.

use crate::lint::hadolint::{has_cache_mount, shell::Script, File, Out};
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
        let missing = ["dnf", "microdnf"].iter().any(|p| misses_clean(script, p));
        if missing
            && !has_cache_mount(i, "/var/cache/libdnf5")
            && !has_cache_mount(i, ".cache/libdnf5")
        {
            out.report(&RULE, i, i.rest(), "dnf cache kept");
        }
    }
}

/// `program` installs something and does not clean its cache afterwards.
fn misses_clean(script: &Script, program: &str) -> bool {
    let install = |c: &crate::lint::hadolint::shell::Command| c.has_args(&[program], INSTALL);
    let clean = |c: &crate::lint::hadolint::shell::Command| {
        c.has_args(&[program], &["clean", "all"])
            || c.has_args(&["rm"], &["-rf", "/var/cache/libdnf5*"])
    };
    script.any(install) && !script.runs_before(install, clean)
}
