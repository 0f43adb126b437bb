//! DL1001: Flags every `# hadolint ignore=…` comment. Off unless asked for (`--experimental` or `--select DL1001` with `--experimental`), as in hadolint, where its level is `ignore`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

/// Off by default: hadolint gives it the level `ignore`.
pub const RULE: crate::lint::rule::Rule = crate::lint::rule::Rule {
    experimental: true,
    ..hadolint_rule!(
        "DL1001",
        Info,
        "Please refrain from using inline ignore pragmas  `# hadolint ignore=DLxxxx`.",
        DOC
    )
};

const DOC: &str = "\
## What it does
Flags every `# hadolint ignore=…` comment. Off unless asked for (`--experimental` or
`--select DL1001` with `--experimental`), as in hadolint, where its level is `ignore`.

## Why is this bad?
A team may want every exception listed in one configuration file rather than spread over
Dockerfiles.

## Example
```dockerfile
FROM debian:12
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for &comment in &file.ignore_pragmas {
        out.report_at(&RULE, comment, "inline ignore pragma");
    }
}
