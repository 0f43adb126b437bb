//! `StageNameCasing`: stage names written with upper-case letters.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Node;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "StageNameCasing",
    "stage-name-casing",
    "Stage names should be lowercase",
    DOC,
    false,
    Fixable::Yes
);

const DOC: &str = "\
## What it does
Flags a `FROM ... AS <name>` whose stage name has upper-case letters.

## Why is this bad?
Stage names are case-insensitive: BuildKit lower-cases them. Writing them in mixed case
suggests that `Build` and `build` are different stages when they are the same one.

## Example
```dockerfile
FROM node:20 AS BuilderBase
```

## Use instead
```dockerfile
FROM node:20 AS builder-base
```
";

/// Checks the raw `FROM` arguments, before the instruction is typed (as BuildKit does).
pub fn check(sink: &mut Sink, config: &CheckConfig, node: &Node) {
    let [_, _, name] = node.args.as_slice() else {
        return;
    };
    if name.value == name.value.to_lowercase() {
        return;
    }
    let message = format!("Stage name '{}' should be lowercase", name.value);
    let finding = Finding::new(name.span, node.span, message, "not lower-case")
        .help(format!("write `{}`", name.value.to_lowercase()))
        .replace(name.span, &name.value, name.value.to_lowercase());
    sink.report(config, &RULE, finding);
}
