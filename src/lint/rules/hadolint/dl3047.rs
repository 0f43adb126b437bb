//! DL3047: Flags `wget` run without `--progress`, `-q`, `-nv`, `-o` or `-a`.

use crate::lint::hadolint::{shell::Command, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3047",
    Info,
    "Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).",
    DOC
);

const DOC: &str = "\
## What it does
Flags `wget` run without `--progress`, `-q`, `-nv`, `-o` or `-a`.

## Why is this bad?
wget's default progress bar writes a huge amount of output to the build log.

## Example
```dockerfile
FROM debian:12
RUN wget https://example.com/file.tar.gz
```

## Use instead
```dockerfile
FROM debian:12
RUN wget -nv https://example.com/file.tar.gz
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(
        file,
        out,
        &RULE,
        true,
        "wget with a progress bar",
        forgot_progress,
    );
}

fn forgot_progress(cmd: &Command) -> bool {
    cmd.name == "wget"
        && !cmd.has_flag("progress")
        && !cmd.has_any_flag(&[
            "q",
            "quiet",
            "o",
            "output-file",
            "a",
            "append-output",
            "no-verbose",
        ])
        && !cmd.is("wget", "-nv")
}
