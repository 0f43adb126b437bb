//! `CopyIgnoredFile`: COPY or ADD of a path excluded by `.dockerignore`.

use crate::lint::buildkit::ignore::IgnoreMatcher;
use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "CopyIgnoredFile",
    "copy-ignored-file",
    "Attempting to Copy file that is excluded by .dockerignore",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `COPY` or `ADD` source from the build context that the context's
`.dockerignore` excludes (the path itself or one of its parent directories). Like
BuildKit, the check is skipped when `.dockerignore` has exclusions (`!pattern`). dfc reads
`.dockerignore` from the Dockerfile's directory.

## Why is this bad?
Ignored files are not sent to the builder, so the copy fails or copies less than
intended.

## Example
```dockerfile
FROM alpine
COPY ./tmp/helloworld.txt /tmp/
```
with `tmp` in `.dockerignore`.

## Use instead
```dockerfile
FROM alpine
COPY ./forever/helloworld.txt /tmp/
```
";

/// `cmd` is `Copy` or `Add`; `source` the expanded source path.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    matcher: &IgnoreMatcher,
    cmd: &str,
    source: &str,
    span: Span,
    instruction: Span,
) {
    let Some(path) = matcher.ignored(source) else {
        return;
    };
    let message = format!(
        "Attempting to {cmd} file {} that is excluded by .dockerignore",
        crate::shell::go_quote(&path)
    );
    let finding = Finding::new(span, instruction, message, "excluded by .dockerignore")
        .help("remove the pattern from .dockerignore, or do not copy the file");
    sink.report(config, &RULE, finding);
}
