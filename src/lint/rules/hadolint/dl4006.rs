//! DL4006: Flags a RUN whose script has a pipe (`|`) when no earlier `SHELL` of the stage sets `-o pipefail` (with bash, zsh or ash).

use crate::lint::hadolint::{
    shell::{self, Command},
    File, Out,
};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL4006",
    Warning,
    "Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN whose script has a pipe (`|`) when no earlier `SHELL` of the stage sets `-o pipefail` (with bash, zsh or ash).

## Why is this bad?
A pipeline's status is that of its last command: `curl … | tar x` succeeds even when the
download fails, and the build goes on with a broken layer.

## Example
```dockerfile
FROM debian:12
RUN curl -fsSL https://example.com/x.tgz | tar xz
```

## Use instead
```dockerfile
FROM debian:12
SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]
RUN curl -fsSL https://example.com/x.tgz | tar xz
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut pipefail = false;
    for i in &file.instrs {
        if i.is("from") {
            pipefail = false;
        } else if i.is("shell") {
            let text = i.text();
            pipefail = ["pwsh", "powershell", "cmd"]
                .iter()
                .any(|s| text.starts_with(s))
                || shell::parse(&text).commands.iter().any(sets_pipefail);
        } else if i.is("run") && !pipefail && i.script.as_ref().is_some_and(|s| s.has_pipes) {
            out.report(&RULE, i, i.rest(), "pipe without pipefail");
        }
    }
}

fn sets_pipefail(cmd: &Command) -> bool {
    let base = cmd.name.rsplit('/').next().unwrap_or("");
    ["bash", "zsh", "ash"].contains(&base) && cmd.has_flag("o") && cmd.has_arg("pipefail")
}
