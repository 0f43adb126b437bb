//! `FromAsCasing`: `AS` written in a different case from `FROM`.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Node;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "FromAsCasing",
    "from-as-casing",
    "The 'as' keyword should match the case of the 'from' keyword",
    DOC,
    false,
    Fixable::Yes
);

const DOC: &str = "\
## What it does
Flags `FROM image as name` where the `AS` keyword's case differs from the `FROM`
keyword's (an upper-case `FROM` with a lower-case `as`, or the other way round). A
mixed-case `FROM` is left to ConsistentInstructionCasing.

## Why is this bad?
Keywords in one style read better, and mixed styles hide typos.

## Example
```dockerfile
FROM debian:latest as builder
```

## Use instead
```dockerfile
FROM debian:latest AS builder
```
";

pub fn check(sink: &mut Sink, config: &CheckConfig, node: &Node) {
    let [_, as_word, _] = node.args.as_slice() else {
        return;
    };
    let from = &node.keyword;
    let from_lower = *from == from.to_lowercase();
    let from_upper = *from == from.to_uppercase();
    if !from_lower && !from_upper {
        return;
    }
    let wanted = if from_lower {
        as_word.value.to_lowercase()
    } else {
        as_word.value.to_uppercase()
    };
    if as_word.value == wanted {
        return;
    }
    let message = format!(
        "'{}' and '{}' keywords' casing do not match",
        as_word.value, from
    );
    let finding = Finding::new(as_word.span, node.span, message, "case differs from FROM")
        .help(format!("write `{wanted}`"))
        .replace(as_word.span, &as_word.value, wanted.clone());
    sink.report(config, &RULE, finding);
}
