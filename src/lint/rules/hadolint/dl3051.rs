//! DL3051: Flags a LABEL that gives a label of the configured label schema an empty value.

use crate::lint::hadolint::labels::label_pairs;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3051", Warning, "label `<label>` is empty.", DOC);

const DOC: &str = "\
## What it does
Flags a `LABEL` that sets a label of the label schema to the empty string. Off until a
label schema is configured.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.version: text
```

## Why is this bad?
An empty required label satisfies the schema in name only.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version=\"\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version=\"1.4.2\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let names: Vec<String> = out.settings().label_schema.keys().cloned().collect();
    for i in file.instrs.iter().filter(|i| i.is("label")) {
        let pairs = label_pairs(i);
        for name in &names {
            if let Some(p) = pairs.iter().find(|p| &p.key == name && p.value.is_empty()) {
                out.report_message(
                    &RULE,
                    i,
                    p.span,
                    "empty value",
                    format!("label `{name}` is empty."),
                );
            }
        }
    }
}
