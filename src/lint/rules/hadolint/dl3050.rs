//! DL3050: With strict labels, flags a LABEL that sets a label outside the configured
//! label schema.

use crate::lint::hadolint::labels::label_pairs;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3050", Info, "Superfluous label(s) present.", DOC);

const DOC: &str = "\
## What it does
With `strict-labels`, flags every `LABEL` instruction that sets a label the label schema
does not name. Off unless `strict-labels` is set.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.source: url
strict-labels: true
```

## Why is this bad?
A fixed set of labels keeps image metadata consistent across a fleet.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source=\"https://github.com/acme/app\" team=\"core\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source=\"https://github.com/acme/app\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    if !out.settings().strict_labels {
        return;
    }
    let schema = out.settings().label_schema.clone();
    for i in file.instrs.iter().filter(|i| i.is("label")) {
        let extra = label_pairs(i)
            .into_iter()
            .find(|p| !schema.contains_key(&p.key));
        if let Some(p) = extra {
            out.report(&RULE, i, p.span, "not in the label schema");
        }
    }
}
