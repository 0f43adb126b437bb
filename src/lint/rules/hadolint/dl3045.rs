//! DL3045: Flags `COPY` to a relative destination in a stage (or its base stages) with no `WORKDIR`.

use crate::lint::hadolint::{BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3045",
    Warning,
    "`COPY` to a relative destination without `WORKDIR` set.",
    DOC
);

const DOC: &str = "\
## What it does
Flags `COPY` to a relative destination in a stage (or its base stages) with no `WORKDIR`.

## Why is this bad?
The destination is then relative to the base image's working directory, which the
Dockerfile does not show and which may change.

## Example
```dockerfile
FROM node:22
COPY package.json .
```

## Use instead
```dockerfile
FROM node:22
WORKDIR /app
COPY package.json .
```
";

use std::collections::BTreeMap;

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    // Stage name → a WORKDIR was set there (inherited by stages built on it).
    let mut set: BTreeMap<String, bool> = BTreeMap::new();
    let mut current = String::new();
    for i in file.instrs.iter().filter(|i| !i.onbuild) {
        match i.keyword.as_str() {
            "from" => {
                let image = BaseImage::read(i);
                let inherited = set.get(&image.name).copied().unwrap_or(false);
                current = image.stage_name().to_string();
                set.insert(current.clone(), inherited);
            }
            "workdir" => {
                set.insert(current.clone(), true);
            }
            "copy" => {
                if set.get(&current).copied().unwrap_or(false) {
                    continue;
                }
                let Some(dest) = i.node.args.last() else {
                    continue;
                };
                let dest = dest.value.trim_matches(['"', '\'']);
                let mut chars = dest.chars();
                let windows =
                    chars.next().is_some_and(|c| c.is_alphabetic()) && chars.next() == Some(':');
                if !(dest.starts_with('/') || dest.starts_with('$') || windows) {
                    out.report(&RULE, i, i.rest(), "relative destination");
                }
            }
            _ => {}
        }
    }
}
