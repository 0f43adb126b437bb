//! DL3024: Flags a `FROM … AS name` whose name an earlier stage already has.

use crate::lint::hadolint::{BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3024",
    Error,
    "FROM aliases (stage names) must be unique",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `FROM … AS name` whose name an earlier stage already has.

## Why is this bad?
BuildKit refuses duplicate stage names; which stage a reference meant is ambiguous.

## Example
```dockerfile
FROM golang:1.23 AS build
FROM node:22 AS build
```

## Use instead
```dockerfile
FROM golang:1.23 AS build-go
FROM node:22 AS build-node
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut seen: Vec<String> = Vec::new();
    for i in file.instrs.iter().filter(|i| i.is("from")) {
        let Some(alias) = BaseImage::read(i).alias else {
            continue;
        };
        if seen.contains(&alias) {
            let span = i.node.args.last().map_or(i.rest(), |a| a.span);
            out.report(&RULE, i, span, "stage name used before");
        } else {
            seen.push(alias);
        }
    }
}
