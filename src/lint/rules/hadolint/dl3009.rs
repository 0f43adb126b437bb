//! DL3009: Flags a RUN that runs `apt-get update` (or `apt update`, `aptitude update`) without removing the apt lists, in the final stage or a stage used as a base by another.

use crate::lint::hadolint::shell::{Command, Script};
use crate::lint::hadolint::{has_cache_mount, BaseImage, File, Instr, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use crate::syntax::Span;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3009",
    Info,
    "Delete the apt lists (/var/lib/apt/lists) after installing something",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that runs `apt-get update` (or `apt update`, `aptitude update`) without removing the apt lists, in the final stage or a stage used as a base by another.

## Why is this bad?
The package lists are tens of megabytes that stay in the image's layer for nothing.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 \\
    && rm -rf /var/lib/apt/lists/*
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    run(file, out, false);
    run(file, out, true);
}

/// One pass: top-level instructions, or (hadolint's `onbuild` variant) ONBUILD ones only.
fn run(file: &File<'_>, out: &mut Out<'_, '_>, onbuild: bool) {
    let mut last_from = BaseImage::default();
    let mut images: Vec<String> = Vec::new();
    // (RUN, its `update` command, the stage it is in)
    let mut forgets: Vec<(&Instr<'_>, Span, BaseImage)> = Vec::new();
    for i in file.instrs.iter().filter(|i| i.onbuild == onbuild) {
        if i.keyword == "from" {
            last_from = BaseImage::read(i);
            images.push(last_from.name.clone());
        } else if let (Some(script), "run") = (&i.script, i.keyword.as_str()) {
            let Some(update) = forgot_cleanup(script) else {
                continue;
            };
            if has_cache_mount(i, "/var/lib/apt/lists")
                || (has_cache_mount(i, "/var/lib/apt") && has_cache_mount(i, "/var/cache/apt"))
            {
                continue;
            }
            forgets.push((i, i.command_span(update), last_from.clone()));
        }
    }
    for (i, span, from) in forgets {
        let used_later = from.alias.as_ref().is_some_and(|a| images.contains(a));
        if from == last_from || used_later {
            out.report(&RULE, i, span, "apt lists kept");
        }
    }
}

/// The `update` command of a script that does not remove the lists.
fn forgot_cleanup(script: &Script) -> Option<&Command> {
    let update = script.find(|c| c.has_args(&["apt", "apt-get", "aptitude"], &["update"]))?;
    // hadolint accepts an `rm` with either argument as the clean-up.
    let cleanup = script.any(|c| c.has_args(&["rm"], &["-rf", "/var/lib/apt/lists/*"]));
    (!cleanup).then_some(update)
}
