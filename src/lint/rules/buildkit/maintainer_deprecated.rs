//! `MaintainerDeprecated`: the MAINTAINER instruction.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Node;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "MaintainerDeprecated",
    "maintainer-deprecated",
    "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    DOC
);

const DOC: &str = "\
## What it does
Flags every `MAINTAINER` instruction.

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
    sink.report(config, &RULE, finding);
}
