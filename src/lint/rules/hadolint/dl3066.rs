//! DL3066: Flags `USER name` where the user is not a numeric id (nor an ARG defined earlier).

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3066",
    Info,
    "Non-numeric user-id may not be resolvable by host system",
    DOC
);

const DOC: &str = "\
## What it does
Flags `USER name` where the user is not a numeric id (nor an ARG defined earlier).

## Why is this bad?
A user name is resolved through the image's `/etc/passwd`; tools outside the container (and
Kubernetes' `runAsNonRoot`) only understand numeric ids.

## Example
```dockerfile
FROM alpine:3.20
USER nobody
```

## Use instead
```dockerfile
FROM alpine:3.20
USER 65534
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut args: Vec<String> = Vec::new();
    for i in &file.instrs {
        if i.is("arg") {
            for a in &i.node.args {
                args.push(a.value.split('=').next().unwrap_or("").to_string());
            }
        } else if i.is("user") {
            let user = i.text();
            let uid = user.split(':').next().unwrap_or("");
            let from_arg = args
                .iter()
                .any(|a| uid.contains(&format!("${{{a}}}")) || uid.contains(&format!("${a}")));
            if !uid.chars().all(|c| c.is_ascii_digit()) && !from_arg {
                out.report(&RULE, i, i.rest(), "user name, not id");
            }
        }
    }
}
