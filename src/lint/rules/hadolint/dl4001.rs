//! DL4001: Flags a RUN using `curl` or `wget` in a stage that uses both.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL4001",
    Warning,
    "Either use Wget or Curl but not both",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN using `curl` or `wget` in a stage that uses both.

## Why is this bad?
Two download tools do the same job and both end up in the image.

## Example
```dockerfile
FROM debian:12
RUN wget -nv https://example.com/a
RUN curl -fsSLO https://example.com/b
```

## Use instead
```dockerfile
FROM debian:12
RUN curl -fsSLO https://example.com/a
RUN curl -fsSLO https://example.com/b
```
";

use std::collections::BTreeSet;

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    run(file, out, false);
    run(file, out, true);
}

fn run(file: &File<'_>, out: &mut Out<'_, '_>, onbuild: bool) {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for i in file.instrs.iter().filter(|i| i.onbuild == onbuild) {
        if i.keyword == "from" {
            seen.clear();
        }
        let Some(script) = &i.script else { continue };
        let used: BTreeSet<&str> = script
            .commands
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| matches!(*n, "curl" | "wget"))
            .collect();
        seen.extend(&used);
        if !used.is_empty() && seen.len() >= 2 {
            out.report(&RULE, i, i.rest(), "curl and wget");
        }
    }
}
