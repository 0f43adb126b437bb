//! DL3059: Flags a RUN that directly follows another RUN with the same flags when neither runs more than one command.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3059",
    Info,
    "Multiple consecutive `RUN` instructions. Consider consolidation.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that directly follows another RUN with the same flags when neither runs more than one command.

## Why is this bad?
Each RUN makes a layer; short consecutive RUNs are usually one step and are cheaper as one.

## Example
```dockerfile
FROM alpine:3.20
RUN mkdir /app
RUN chown nobody /app
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN mkdir /app && chown nobody /app
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    // The flags and command count of the RUN before, if the previous instruction was one.
    let mut previous: Option<(Vec<&str>, usize)> = None;
    for i in &file.instrs {
        if !i.is("run") {
            previous = None;
            continue;
        }
        let flags: Vec<&str> = i.node.flag_values().collect();
        // hadolint counts each simple command twice (ShellCheck's `getCommand` matches both
        // the redirection wrapper and the command inside), so "more than two" means "more
        // than one command".
        let count = 2 * i.script.as_ref().map_or(0, |s| s.commands.len());
        match &previous {
            Some((f, c)) if *f == flags && count <= 2 && *c <= 2 => {
                out.report(&RULE, i, i.node.keyword_span, "consecutive RUN");
            }
            _ => previous = Some((flags, count)),
        }
    }
}
