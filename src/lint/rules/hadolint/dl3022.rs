//! DL3022: Flags `COPY --from=x` where `x` is neither the name of an earlier stage, nor the index of an earlier stage, nor an image reference (a name with `:`).

use crate::lint::hadolint::{docker, BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3022",
    Warning,
    "`COPY --from` should reference a previously defined `FROM` alias",
    DOC
);

const DOC: &str = "\
## What it does
Flags `COPY --from=x` where `x` is neither the name of an earlier stage, nor the index of
an earlier stage, nor an image reference (a name with `:`).

## Why is this bad?
A name that is not a stage is pulled as an image: a typo in a stage name silently copies
from a registry image instead.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /app .
FROM alpine:3.20
COPY --from=builder /app /app
```

## Use instead
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /app .
FROM alpine:3.20
COPY --from=build /app /app
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut stages = 0usize;
    let mut names: Vec<String> = Vec::new();
    for i in &file.instrs {
        if i.is("from") {
            stages += 1;
            names.extend(BaseImage::read(i).alias);
        } else if i.is("copy") {
            let Some(from) = docker::copy_from(file, i) else {
                continue;
            };
            if docker::drop_quotes(from).contains(':') || names.iter().any(|n| n == from) {
                continue;
            }
            // hadolint reads the leading digits as a stage index.
            let digits: String = from.chars().take_while(char::is_ascii_digit).collect();
            if digits.parse::<usize>().is_ok_and(|n| n < stages) {
                continue;
            }
            out.report(&RULE, i, from_span(i), "not an earlier stage");
        }
    }
}

/// The span of the `--from` flag.
pub(crate) fn from_span(i: &crate::lint::hadolint::Instr<'_>) -> crate::syntax::Span {
    i.node
        .flags
        .iter()
        .find(|f| f.name() == "from")
        .map_or(i.rest(), |f| f.span)
}
