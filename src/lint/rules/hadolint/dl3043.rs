//! DL3043: Flags `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3043",
    Error,
    "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.",
    DOC
);

const DOC: &str = "\
## What it does
Flags `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`.

## Why is this bad?
These instructions cannot be triggers; BuildKit refuses them.

## Example
```dockerfile
FROM alpine:3.20
ONBUILD FROM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
ONBUILD RUN echo built
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.onbuild) {
        if matches!(i.keyword.as_str(), "onbuild" | "from" | "maintainer") {
            out.report(&RULE, i, i.node.keyword_span, "not allowed as a trigger");
        }
    }
}
