//! DL3028: Flags `gem install` of a gem without `:version` (and without `-v`/`--version`).

use crate::lint::hadolint::{shell::Script, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3028",
    Warning,
    "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `gem install` of a gem without `:version` (and without `-v`/`--version`).

## Why is this bad?
Unpinned gems make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM ruby:3.3
RUN gem install bundler
```

## Use instead
```dockerfile
FROM ruby:3.3
RUN gem install bundler:2.5.6
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for (i, script) in file.runs(true) {
        if gems(script).iter().any(|g| !g.contains(':')) {
            out.report(&RULE, i, i.rest(), "unpinned gem");
        }
    }
}

fn gems(script: &Script) -> Vec<String> {
    let mut out = Vec::new();
    for cmd in &script.commands {
        if !cmd.has_args(&["gem"], &["install", "i"])
            || cmd.has_arg("-v")
            || cmd.has_arg("--version")
            || cmd.arg_texts().any(|a| a.starts_with("--version="))
        {
            continue;
        }
        let args: Vec<&str> = cmd.arg_texts().take_while(|a| *a != "--").collect();
        let mut k = 0;
        while k < args.len() {
            if args[k].starts_with('-') {
                k += 2;
                continue;
            }
            if !matches!(args[k], "install" | "i") {
                out.push(args[k].to_string());
            }
            k += 1;
        }
    }
    out
}
