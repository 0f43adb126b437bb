//! `RedundantTargetPlatform`: `FROM --platform=$TARGETPLATFORM`.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::shell::Expansion;
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "RedundantTargetPlatform",
    "redundant-target-platform",
    "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    DOC
);

const DOC: &str = "\
## What it does
Flags `FROM --platform=$TARGETPLATFORM` (a value that uses only `TARGETPLATFORM` and
expands to its value).

## Why is this bad?
Stages are built for the target platform by default; the flag adds noise.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine AS builder
```

## Use instead
```dockerfile
FROM alpine AS builder
```
";

/// `platform` is the flag's value as written; `target` the value of `TARGETPLATFORM`.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    platform: &str,
    expansion: &Expansion,
    target: &str,
    span: Span,
    instruction: Span,
) {
    let only_target = expansion.matched.len() == 1
        && expansion.unmatched.is_empty()
        && expansion.matched.contains("TARGETPLATFORM");
    if !only_target || expansion.result != target {
        return;
    }
    let message = format!(
        "Setting platform to predefined {platform} in FROM is redundant as this is the default behavior"
    );
    let finding = Finding::new(span, instruction, message, "the default platform")
        .help("remove the --platform flag");
    sink.report(config, &RULE, finding);
}
