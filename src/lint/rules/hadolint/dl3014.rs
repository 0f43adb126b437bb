//! DL3014: Flags `apt-get install` without `-y` (or `--yes`, `--assume-yes`, `-qq`, `-q -q`).

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3014",
    Warning,
    "Use the `-y` switch to avoid manual input `apt-get -y install <package>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `apt-get install` without `-y` (or `--yes`, `--assume-yes`, `-qq`, `-q -q`).

## Why is this bad?
Without it apt-get asks for confirmation and the build stops with no one to answer.

## Example
```dockerfile
FROM debian:12
RUN apt-get install curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get install -y curl
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "apt-get install without -y", |c| {
        c.is("apt-get", "install")
            && !(c.has_any_flag(&["y", "yes", "qq", "assume-yes"])
                || c.count_flag("q") == 2
                || c.count_flag("quiet") == 2
                || c.has_arg("-q=2"))
    });
}
