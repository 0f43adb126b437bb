//! DL4000: Flags every `MAINTAINER` instruction.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::buildkit::maintainer_deprecated::label_fix;
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = crate::lint::rule::Rule {
    fixable: crate::lint::rule::Fixable::Yes,
    ..hadolint_rule!("DL4000", Error, "MAINTAINER is deprecated", DOC)
};

const DOC: &str = "\
## What it does
Flags every `MAINTAINER` instruction.

`dfc lint --fix` rewrites it as MaintainerDeprecated does.

## Why is this bad?
`MAINTAINER` is deprecated; the `org.opencontainers.image.authors` label says the same in a
form tools read.

## Example
```dockerfile
FROM alpine:3.20
MAINTAINER jane@example.com
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.authors=\"jane@example.com\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("maintainer")) {
        let (source, escape) = out.source();
        let fix = label_fix(source, escape, i.node);
        out.report_fixed(&RULE, i, i.node.keyword_span, "deprecated instruction", fix);
    }
}
