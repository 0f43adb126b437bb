//! DL3015: Flags `apt-get install` without `--no-install-recommends` (or `APT::Install-Recommends=false`).

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3015",
    Info,
    "Avoid additional packages by specifying `--no-install-recommends`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `apt-get install` without `--no-install-recommends` (or `APT::Install-Recommends=false`).

## Why is this bad?
Recommended packages make the image larger and add software nobody asked for.

## Example
```dockerfile
FROM debian:12
RUN apt-get install -y curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get install -y --no-install-recommends curl
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(
        file,
        out,
        &RULE,
        true,
        "apt-get install without --no-install-recommends",
        |c| {
            c.is("apt-get", "install")
                && !c.has_flag("no-install-recommends")
                && !c.has_arg("APT::Install-Recommends=false")
        },
    );
}
