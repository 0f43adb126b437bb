//! DL3023: Flags `COPY --from=x` inside the stage named `x`.

use crate::lint::hadolint::{docker, BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3023",
    Error,
    "`COPY --from` cannot reference its own `FROM` alias",
    DOC
);

const DOC: &str = "\
## What it does
Flags `COPY --from=x` inside the stage named `x`.

## Why is this bad?
A stage cannot copy from itself; the build fails.

## Example
```dockerfile
FROM golang:1.23 AS build
COPY --from=build /src /src
```

## Use instead
```dockerfile
FROM golang:1.23 AS build
COPY /src /src
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut current: Option<BaseImage> = None;
    for i in &file.instrs {
        if i.is("from") {
            current = Some(BaseImage::read(i));
        } else if i.is("copy") {
            let (Some(from), Some(stage)) = (docker::copy_from(file, i), &current) else {
                continue;
            };
            if stage.alias.as_deref() == Some(from) {
                out.report(&RULE, i, super::dl3022::from_span(i), "its own stage");
            }
        }
    }
}
