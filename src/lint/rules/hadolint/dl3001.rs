//! DL3001: Flags RUN scripts that call `free`, `kill`, `mount`, `ps`, `service`, `shutdown`, `ssh`, `top` or `vim`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3001",
    Info,
    "For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`",
    DOC
);

const DOC: &str = "\
## What it does
Flags RUN scripts that call `free`, `kill`, `mount`, `ps`, `service`, `shutdown`, `ssh`, `top` or `vim`.

## Why is this bad?
These commands manage a running system or need a person at a terminal; during a build they
do nothing useful.

## Example
```dockerfile
FROM debian:12
RUN service nginx start
```

## Use instead
```dockerfile
FROM debian:12
CMD [\"nginx\", \"-g\", \"daemon off;\"]
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(
        file,
        out,
        &RULE,
        false,
        "interactive or system command",
        |c| {
            [
                "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
            ]
            .contains(&c.name.as_str())
        },
    );
}
