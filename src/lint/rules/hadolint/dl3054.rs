//! DL3054: Flags a LABEL whose value for a `spdx` label of the configured label schema
//! is not one current SPDX license identifier (`MIT`, `Apache-2.0`; not an expression, not a deprecated id).

use crate::lint::hadolint::labels::check_format;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use crate::lint::settings::LabelType;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3054",
    Warning,
    "Label `<label>` is not a valid SPDX identifier.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `LABEL` that gives a label of type `spdx` in the label schema a value that is not
one current SPDX license identifier (`MIT`, `Apache-2.0`; not an expression, not a deprecated id). Off until the schema names such a label.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.licenses: spdx
```

## Why is this bad?
License scanners match the identifier exactly.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.licenses=\"GPL-2.0\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.licenses=\"GPL-2.0-only\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    check_format(file, out, &RULE, LabelType::Spdx, valid, |label| {
        format!("Label `{label}` is not a valid SPDX identifier.")
    });
}

/// One SPDX license identifier of the current list, exact case, not deprecated;
/// trailing blanks are allowed (Cabal's parser skips them), leading ones are not.
fn valid(text: &str) -> bool {
    let text = text.trim_end();
    spdx::license_id(text).is_some_and(|id| id.name == text && !id.is_deprecated())
}
