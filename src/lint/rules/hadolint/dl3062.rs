//! DL3062: Flags `go install`, `go get` and `go run` of a package without `@version` (`@latest` and `@none` do not count); local paths are fine.

use crate::lint::hadolint::{shell::Script, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3062",
    Warning,
    "Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `go install`, `go get` and `go run` of a package without `@version` (`@latest` and `@none` do not count); local paths are fine.

## Why is this bad?
Unpinned modules make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM golang:1.23
RUN go install golang.org/x/tools/gopls
```

## Use instead
```dockerfile
FROM golang:1.23
RUN go install golang.org/x/tools/gopls@v0.16.2
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for (i, script) in file.runs(true) {
        if !go_packages(script).iter().all(|p| pinned(p)) {
            out.report(&RULE, i, i.rest(), "unpinned Go package");
        }
    }
}

fn go_packages(script: &Script) -> Vec<String> {
    let run: Vec<String> = script
        .commands
        .iter()
        .filter(|c| c.is("go", "run"))
        .flat_map(|c| {
            c.args_no_flags()
                .into_iter()
                .enumerate()
                .filter(|(k, a)| *a != "run" && *k <= 1)
                .map(|(_, a)| a.to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    if !run.is_empty() {
        return run;
    }
    script
        .commands
        .iter()
        .filter(|c| c.has_args(&["go"], &["install", "get"]))
        .flat_map(|c| {
            c.args_no_flags()
                .into_iter()
                .filter(|a| !matches!(*a, "install" | "get" | "tool"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn pinned(package: &str) -> bool {
    let local = package == "." || package.starts_with('/') || package.starts_with('.');
    local || (package.contains('@') && !package.ends_with("@latest") && !package.ends_with("@none"))
}
