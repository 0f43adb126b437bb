//! DL3037: Flags `zypper install` of a package without a version (`pkg=1.2`, `pkg>=1.2`, `pkg<2`) that is not an `.rpm` file.

use crate::lint::hadolint::shell::{Command, Script};
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3037",
    Warning,
    "Specify version with `zypper install -y <package>=<version>`.",
    DOC
);

const DOC: &str = "\
## What it does
Flags `zypper install` of a package without a version (`pkg=1.2`, `pkg>=1.2`, `pkg<2`) that
is not an `.rpm` file.

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd && zypper clean
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let packages = |s: &Script| {
        let install = |c: &Command| c.has_args(&["zypper"], &["install", "in"]);
        super::packages(s, install, &[], &["install", "in"])
    };
    let pinned = |p: &str| p.contains(['=', '<', '>']) || p.ends_with(".rpm");
    super::flag_unpinned(
        file,
        out,
        &RULE,
        "unpinned zypper package",
        packages,
        pinned,
    );
}
