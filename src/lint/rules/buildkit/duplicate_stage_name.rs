//! `DuplicateStageName`: two stages with the same name.

use crate::ast::Stage;
use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "DuplicateStageName",
    "duplicate-stage-name",
    "Stage names should be unique",
    DOC
);

const DOC: &str = "\
## What it does
Flags a stage whose name (compared case-insensitively) was already used by an earlier
stage.

## Why is this bad?
References such as `COPY --from=name` or `FROM name` resolve to one of the stages only;
the other is silently unreachable by name.

## Example
```dockerfile
FROM debian:latest AS builder
FROM golang:latest AS builder
```

## Use instead
```dockerfile
FROM debian:latest AS deb-builder
FROM golang:latest AS go-builder
```
";

pub fn check(sink: &mut Sink, config: &CheckConfig, stages: &[Stage]) {
    let mut seen = std::collections::BTreeSet::new();
    for stage in stages {
        let Some(name) = &stage.from.name else {
            continue;
        };
        if !seen.insert(name.value.as_str()) {
            let message = format!(
                "Duplicate stage name {}, stage names should be unique",
                crate::shell::go_quote(&name.value)
            );
            let finding = Finding::new(name.span, stage.from.span, message, "used before")
                .help("give each stage its own name");
            sink.report(config, &RULE, finding);
        }
    }
}
