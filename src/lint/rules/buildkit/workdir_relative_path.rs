//! `WorkdirRelativePath`: a relative WORKDIR before any absolute one.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "WorkdirRelativePath",
    "workdir-relative-path",
    "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    DOC
);

const DOC: &str = "\
## What it does
Flags the first `WORKDIR` of a stage (and of the stages it is based on) when its path,
after variable expansion, is relative.

## Why is this bad?
A relative `WORKDIR` is resolved against the base image's working directory, which the
image's authors may change at any time.

## Example
```dockerfile
FROM alpine
WORKDIR app
```

## Use instead
```dockerfile
FROM alpine
WORKDIR /app
```
";

/// `path` is the expanded path.
pub fn check(sink: &mut Sink, config: &CheckConfig, path: &str, span: Span, instruction: Span) {
    if path.starts_with('/') {
        return;
    }
    let message = format!(
        "Relative workdir {} can have unexpected results if the base image changes",
        crate::shell::go_quote(path)
    );
    let finding =
        Finding::new(span, instruction, message, "relative path").help("start the path with `/`");
    sink.report(config, &RULE, finding);
}
