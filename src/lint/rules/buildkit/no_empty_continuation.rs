//! `NoEmptyContinuation`: blank lines inside a continued instruction.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::node::ParseWarning;
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "NoEmptyContinuation",
    "no-empty-continuation",
    "Empty continuation lines will become errors in a future release",
    DOC
);

const DOC: &str = "\
## What it does
Flags an instruction continued with the escape character over a completely empty line.

## Why is this bad?
Empty continuation lines are accepted today only for compatibility; they will become
errors in a future release. They also make it easy to mistake where an instruction ends.

## Example
```dockerfile
FROM alpine
EXPOSE \\

80
```

## Use instead
```dockerfile
FROM alpine
EXPOSE \\
80
```
";

/// One finding per instruction, on its first empty line. BuildKit attaches the warning
/// to the instruction's last line, so that is the finding's instruction location.
pub fn check(sink: &mut Sink, config: &CheckConfig, warning: &ParseWarning) {
    let span = warning.lines.first().copied().unwrap_or(warning.span);
    let end = warning.span.end as usize;
    let last = Span::new(end.saturating_sub(1).max(warning.span.start as usize), end);
    let finding = Finding::new(
        span,
        last,
        "Empty continuation line".to_string(),
        "empty line inside the instruction",
    )
    .help("remove the empty line, or end the instruction before it");
    sink.report(config, &RULE, finding);
}
