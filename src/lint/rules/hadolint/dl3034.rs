//! DL3034: Flags `zypper install` (`in`, `remove`, `rm`, `source-install`, `si`, `patch`) without `-y`, `-n`, `--non-interactive` or `--no-confirm`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3034",
    Warning,
    "Non-interactive switch missing from `zypper` command: `zypper install -y`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `zypper install` (`in`, `remove`, `rm`, `source-install`, `si`, `patch`) without `-y`,
`-n`, `--non-interactive` or `--no-confirm`.

## Why is this bad?
Without it zypper asks for confirmation and the build stops with no one to answer.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install httpd=2.4.58 && zypper clean
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "zypper without -y", |c| {
        c.has_args(
            &["zypper"],
            &[
                "install",
                "in",
                "remove",
                "rm",
                "source-install",
                "si",
                "patch",
            ],
        ) && !c.has_any_flag(&["non-interactive", "n", "no-confirm", "y"])
    });
}
