//! DL3052: Flags a LABEL whose value for a `url` label of the configured label schema
//! is not an absolute URI as RFC 3986 defines it (a scheme, then `:`).

use crate::lint::hadolint::labels::check_format;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use crate::lint::settings::LabelType;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3052",
    Warning,
    "Label `<label>` is not a valid URL.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `LABEL` that gives a label of type `url` in the label schema a value that is not
an absolute URI as RFC 3986 defines it (a scheme, then `:`). Off until the schema names such a label.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.source: url
```

## Why is this bad?
A label consumers read as a link must be one.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source=\"github.com/acme/app\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source=\"https://github.com/acme/app\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    check_format(file, out, &RULE, LabelType::Url, valid, |label| {
        format!("Label `{label}` is not a valid URL.")
    });
}

/// RFC 3986 `URI` (scheme required), as `Network.URI.parseURI`.
fn valid(text: &str) -> bool {
    fluent_uri::Uri::parse(text).is_ok()
}
