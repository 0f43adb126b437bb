//! DL3055: Flags a LABEL whose value for a `hash` label of the configured label schema
//! is not a git commit hash: 7 or 40 lower-case hexadecimal digits.

use crate::lint::hadolint::labels::check_format;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use crate::lint::settings::LabelType;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3055",
    Warning,
    "Label `<label>` is not a valid git hash.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `LABEL` that gives a label of type `hash` in the label schema a value that is not
a git commit hash: 7 or 40 lower-case hexadecimal digits. Off until the schema names such a label.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.revision: hash
```

## Why is this bad?
A revision label should pin the exact commit the image was built from.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.revision=\"main\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.revision=\"2f1c8e7\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    check_format(file, out, &RULE, LabelType::Hash, valid, |label| {
        format!("Label `{label}` is not a valid git hash.")
    });
}

/// 7 or 40 characters of `0-9a-f`.
fn valid(text: &str) -> bool {
    matches!(text.len(), 7 | 40) && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
