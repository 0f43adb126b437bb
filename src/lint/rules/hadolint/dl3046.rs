//! DL3046: Flags `useradd -u UID` with a UID of more than five digits and without `-l` (`--no-log-init`).

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3046",
    Warning,
    "`useradd` without flag `-l` and high UID will result in excessively large Image.",
    DOC
);

const DOC: &str = "\
## What it does
Flags `useradd -u UID` with a UID of more than five digits and without `-l`
(`--no-log-init`).

## Why is this bad?
useradd records the user in the sparse `/var/log/lastlog` and `faillog` files; a high UID
makes them gigabytes large in the layer.

## Example
```dockerfile
FROM debian:12
RUN useradd -u 1000000 app
```

## Use instead
```dockerfile
FROM debian:12
RUN useradd -l -u 1000000 app
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "high UID without -l", |c| {
        c.name == "useradd"
            && !c.has_any_flag(&["l", "no-log-init"])
            && c.has_any_flag(&["u", "uid"])
            && c.flag_values("u").iter().any(|v| v.chars().count() > 5)
    });
}
