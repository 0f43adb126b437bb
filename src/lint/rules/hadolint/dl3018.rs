//! DL3018: Flags `apk add` of a package without a version constraint (`=`, `~`, `>`, `<`); a `.apk` file counts as pinned.

use crate::lint::hadolint::{shell::Script, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3018",
    Warning,
    "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `apk add` of a package without a version constraint (`=`, `~`, `>`, `<`); a `.apk` file counts as pinned.

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for (i, script) in file.runs(true) {
        if packages(script)
            .iter()
            .any(|p| !(p.contains(['=', '~', '>', '<']) || p.ends_with(".apk")))
        {
            out.report(&RULE, i, i.rest(), "unpinned apk package");
        }
    }
}

/// The packages of every `apk add` (values of `-t`, `--virtual`, `--repository`, `-X` dropped).
fn packages(script: &Script) -> Vec<String> {
    let mut out = Vec::new();
    for cmd in script.commands.iter().filter(|c| c.is("apk", "add")) {
        let cmd = cmd.drop_flag_arg(&["t", "virtual", "repository", "X"]);
        out.extend(
            cmd.args_no_flags()
                .into_iter()
                .filter(|a| *a != "add")
                .map(str::to_string),
        );
    }
    out
}
