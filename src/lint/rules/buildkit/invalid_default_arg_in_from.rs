//! `InvalidDefaultArgInFrom`: global ARG defaults that make a FROM image name invalid.

use crate::lint::buildkit::reference;
use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "InvalidDefaultArgInFrom",
    "invalid-default-arg-in-from",
    "Default value for global ARG results in an empty or invalid base image name",
    DOC
);

const DOC: &str = "\
## What it does
Expands each `FROM` image with the default values of the global `ARG`s (no build
arguments given) and flags the ones that do not give a valid image reference.

## Why is this bad?
The build fails unless every user passes the right `--build-arg`; a default that works
makes the Dockerfile buildable as is.

## Example
```dockerfile
ARG TAG
FROM busybox:${TAG}
```

## Use instead
```dockerfile
ARG TAG=latest
FROM busybox:${TAG}
```
";

/// `base` is the image as written, `expanded` its value with the defaults.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    base: &str,
    expanded: &str,
    span: Span,
    instruction: Span,
) {
    if reference::is_valid(expanded) {
        return;
    }
    let message =
        format!("Default value for ARG {base} results in empty or invalid base image name");
    let finding = Finding::new(
        span,
        instruction,
        message,
        "invalid with the default ARG values",
    )
    .help("give the ARGs used here default values that form a valid image name");
    sink.report(config, &RULE, finding);
}
