//! DL3007: Flags `FROM image:latest` (without a digest).

use crate::lint::hadolint::{BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3007",
    Warning,
    "Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag",
    DOC
);

const DOC: &str = "\
## What it does
Flags `FROM image:latest` (without a digest).

## Why is this bad?
`latest` moves: the same Dockerfile builds a different image from one day to the next.

## Example
```dockerfile
FROM debian:latest
```

## Use instead
```dockerfile
FROM debian:12.7
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("from")) {
        let image = BaseImage::read(i);
        if image.digest.is_none() && image.tag.as_deref() == Some("latest") {
            out.report(&RULE, i, BaseImage::span(i), "`latest` tag");
        }
    }
}
