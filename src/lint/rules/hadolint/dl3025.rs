//! DL3025: Flags `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` in shell form.

use crate::lint::hadolint::{docker, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3025",
    Warning,
    "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
    DOC
);

const DOC: &str = "\
## What it does
Flags `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` in shell form.

## Why is this bad?
In shell form the command runs under `/bin/sh -c`, which does not pass signals on: the
process is not stopped cleanly.

## Example
```dockerfile
FROM alpine:3.20
CMD nginx -g 'daemon off;'
```

## Use instead
```dockerfile
FROM alpine:3.20
CMD [\"nginx\", \"-g\", \"daemon off;\"]
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| !i.onbuild) {
        let shell_form = match i.keyword.as_str() {
            "cmd" | "entrypoint" => !docker::exec_form(file, i),
            "healthcheck" => {
                i.node
                    .args
                    .first()
                    .is_some_and(|a| a.value.eq_ignore_ascii_case("cmd"))
                    && !docker::exec_form(file, i)
            }
            _ => false,
        };
        if shell_form {
            out.report(&RULE, i, i.rest(), "shell form");
        }
    }
}
