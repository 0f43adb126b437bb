//! `ReservedStageName`: a stage named `scratch` or `context`.

use crate::ast::Stage;
use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "ReservedStageName",
    "reserved-stage-name",
    "Reserved words should not be used as stage names",
    DOC
);

const DOC: &str = "\
## What it does
Flags a stage named `scratch` or `context` (in any case).

## Why is this bad?
`scratch` is the empty image and `context` the build context; a stage with one of these
names shadows them or is shadowed by them, depending on where it is referenced.

## Example
```dockerfile
FROM alpine AS scratch
```

## Use instead
```dockerfile
FROM alpine AS base
```
";

pub fn check(sink: &mut Sink, config: &CheckConfig, stages: &[Stage]) {
    for stage in stages {
        let Some(name) = &stage.from.name else {
            continue;
        };
        if name.value == "scratch" || name.value == "context" {
            let message = format!(
                "Stage name should not use the same name as reserved stage {}",
                crate::shell::go_quote(&name.value)
            );
            let finding = Finding::new(name.span, stage.from.span, message, "reserved name")
                .help("pick another stage name");
            sink.report(config, &RULE, finding);
        }
    }
}
