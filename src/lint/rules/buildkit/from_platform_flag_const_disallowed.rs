//! `FromPlatformFlagConstDisallowed`: `FROM --platform=` with a constant value.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::shell::Expansion;
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "FromPlatformFlagConstDisallowed",
    "from-platform-flag-const-disallowed",
    "FROM --platform flag should not use a constant value",
    DOC
);

const DOC: &str = "\
## What it does
Flags `FROM --platform=<constant>` (a valid platform written without variables), unless
the stage's name contains the platform's OS or architecture (`AS build-amd64`).

## Why is this bad?
A constant platform pins the stage to one platform even in a multi-platform build, and
building for another platform then emulates it or fails.

## Example
```dockerfile
FROM --platform=linux/amd64 golang AS builder
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang AS builder
```
";

/// `os_arch` is the parsed platform's OS and architecture.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    stage_name: &str,
    expansion: &Expansion,
    os_arch: (&str, &str),
    span: Span,
    instruction: Span,
) {
    if !expansion.matched.is_empty() || !expansion.unmatched.is_empty() {
        return;
    }
    if stage_name.contains(os_arch.0) || stage_name.contains(os_arch.1) {
        return;
    }
    let message = format!(
        "FROM --platform flag should not use constant value {}",
        crate::shell::go_quote(&expansion.result)
    );
    let finding = Finding::new(span, instruction, message, "constant platform")
        .help("use $BUILDPLATFORM or $TARGETPLATFORM, or name the stage after the platform");
    sink.report(config, &RULE, finding);
}
