//! DL3044: Flags an `ENV` that sets several variables where one value refers (`$x` or `${x}`) to another variable set by the same `ENV`, not set by an earlier `ENV` or `ARG`.

use crate::lint::hadolint::{docker, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use std::collections::BTreeSet;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3044",
    Error,
    "Do not refer to an environment variable within the same `ENV` statement where it is defined.",
    DOC
);

const DOC: &str = "\
## What it does
Flags an `ENV` that sets several variables where one value refers (`$x` or `${x}`) to
another variable set by the same `ENV`, not set by an earlier `ENV` or `ARG`.

## Why is this bad?
All values of one `ENV` are expanded before any of its variables is set, so the reference
does not see the new value.

## Example
```dockerfile
FROM alpine:3.20
ENV APP_HOME=/app APP_BIN=$APP_HOME/bin
```

## Use instead
```dockerfile
FROM alpine:3.20
ENV APP_HOME=/app
ENV APP_BIN=$APP_HOME/bin
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut defined: BTreeSet<String> = BTreeSet::new();
    for i in &file.instrs {
        if i.is("env") {
            let pairs = docker::pairs(i);
            let referenced = pairs.iter().enumerate().any(|(n, (name, _))| {
                !defined.contains(name)
                    && pairs
                        .iter()
                        .enumerate()
                        .any(|(m, (_, value))| m != n && refers_to(value, name))
            });
            defined.extend(pairs.into_iter().map(|(name, _)| name));
            if referenced {
                out.report(&RULE, i, i.rest(), "refers to a variable it sets");
            }
        } else if i.is("arg") {
            defined.extend(docker::arg_name(i).map(str::to_string));
        }
    }
}

/// `text` holds `${name}`, or `$name` not followed by a character of a longer name.
fn refers_to(text: &str, name: &str) -> bool {
    if text.contains(&format!("${{{name}}}")) {
        return true;
    }
    let bare = format!("${name}");
    text.split(bare.as_str()).skip(1).any(|rest| {
        !rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}
