//! `UndefinedArgInFrom`: a FROM that uses an ARG not declared before it.

use std::collections::BTreeSet;

use crate::ast::suggest;
use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "UndefinedArgInFrom",
    "undefined-arg-in-from",
    "FROM command must use declared ARGs",
    DOC
);

const DOC: &str = "\
## What it does
Flags a variable in `FROM` (the image or `--platform`) that is neither declared by an
`ARG` before the first `FROM` nor one of the predefined platform arguments
(`TARGETPLATFORM`, `BUILDARCH`, ...).

## Why is this bad?
An undeclared variable expands to an empty string, which gives a wrong image name or
platform.

## Example
```dockerfile
FROM node:22${VARIANT} AS dev
```

## Use instead
```dockerfile
ARG VARIANT=-alpine3.20
FROM node:22${VARIANT} AS dev
```
";

/// `declared`: the global ARG names and predefined arguments.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    unmatched: &BTreeSet<String>,
    declared: &[String],
    span: Span,
    instruction: Span,
) {
    for name in unmatched {
        if declared.contains(name) {
            continue;
        }
        let mut message = format!("FROM argument '{name}' is not declared");
        let suggestion = suggest::search(name, declared, true);
        if let Some(s) = &suggestion {
            message.push_str(&format!(" (did you mean {s}?)"));
        }
        let finding = Finding::new(span, instruction, message, "not declared")
            .help(format!("declare `ARG {name}` before the first FROM"));
        sink.report(config, &RULE, finding);
    }
}
