//! DL4005: Flags a RUN that runs `ln` with `/bin/sh` as an argument.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL4005",
    Warning,
    "Use SHELL to change the default shell",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that runs `ln` with `/bin/sh` as an argument.

## Why is this bad?
Replacing `/bin/sh` by a link changes the shell for every later RUN without saying so;
`SHELL` states it.

## Example
```dockerfile
FROM debian:12
RUN ln -sf /bin/bash /bin/sh
```

## Use instead
```dockerfile
FROM debian:12
SHELL [\"/bin/bash\", \"-c\"]
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "relinks /bin/sh", |c| {
        c.is("ln", "/bin/sh")
    });
}
