//! `MaintainerDeprecated`: the MAINTAINER instruction.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::{Node, Span};

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "MaintainerDeprecated",
    "maintainer-deprecated",
    "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    DOC,
    false,
    Fixable::Yes
);

const DOC: &str = "\
## What it does
Flags every `MAINTAINER` instruction.

`dfc lint --fix` rewrites a one-line `MAINTAINER text` as
`LABEL org.opencontainers.image.authors=\"text\"`. This is the intended change of the image:
its `author` field gives way to the label.

## Why is this bad?
`MAINTAINER` is deprecated. The OCI annotation `org.opencontainers.image.authors`, set
with `LABEL`, records the author in a form tools understand.

## Example
```dockerfile
FROM alpine
MAINTAINER moby@example.com
```

## Use instead
```dockerfile
FROM alpine
LABEL org.opencontainers.image.authors=\"moby@example.com\"
```
";

pub fn check(sink: &mut Sink, config: &CheckConfig, node: &Node) {
    let finding = Finding::new(
        node.keyword_span,
        node.span,
        "Maintainer instruction is deprecated in favor of using label".to_string(),
        "deprecated instruction",
    )
    .help("use `LABEL org.opencontainers.image.authors=\"...\"`");
    let finding = match label_fix(sink.source, sink.escape, node) {
        Some((span, expect, text)) => finding.replace(span, &expect, text),
        None => finding,
    };
    sink.report(config, &RULE, finding);
}

/// The fix shared with hadolint's DL4000: the one-line `MAINTAINER text` becomes
/// `LABEL org.opencontainers.image.authors="text"` (keyword in MAINTAINER's case; `"`,
/// `$` and the escape character escaped, since LABEL values are expanded and MAINTAINER's
/// is not). Returns the span, the text it holds and the replacement.
pub fn label_fix(source: &str, escape: char, node: &Node) -> Option<(Span, String, String)> {
    let end = node.rest_span.end.max(node.keyword_span.end);
    let span = Span::new(node.keyword_span.start as usize, end as usize);
    let written = source.get(span.start as usize..span.end as usize)?;
    if written.contains('\n') || node.rest_span.is_empty() {
        return None;
    }
    let value = source.get(node.rest_span.start as usize..node.rest_span.end as usize)?;
    let mut quoted = String::new();
    for c in value.chars() {
        if c == '"' || c == '$' || c == escape {
            quoted.push(escape);
        }
        quoted.push(c);
    }
    let keyword = if node.keyword == node.keyword.to_lowercase() {
        "label"
    } else {
        "LABEL"
    };
    let text = format!("{keyword} org.opencontainers.image.authors=\"{quoted}\"");
    Some((span, written.to_string(), text))
}
