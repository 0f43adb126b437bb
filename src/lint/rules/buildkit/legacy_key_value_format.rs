//! `LegacyKeyValueFormat`: `ENV key value` and `LABEL key value`.

use crate::ast::KeyValue;
use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "LegacyKeyValueFormat",
    "legacy-key-value-format",
    "Legacy key/value format with whitespace separator should not be used",
    DOC,
    false,
    Fixable::Yes
);

const DOC: &str = "\
## What it does
Flags `ENV` and `LABEL` written as `key value` (a space between key and value) instead
of `key=value`.

## Why is this bad?
The legacy form sets exactly one variable, and everything after the first space is the
value, so `ENV A 1 B 2` sets `A` to `1 B 2`. The `key=value` form is unambiguous and can
set several pairs at once.

## Example
```dockerfile
FROM alpine
ENV DEPS curl git
```

## Use instead
```dockerfile
FROM alpine
ENV DEPS=\"curl git\"
```
";

/// `name` is the keyword as written.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    name: &str,
    pair: &KeyValue,
    instruction: Span,
) {
    let message = format!(
        "\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"
    );
    let mut finding =
        Finding::new(pair.span, instruction, message, "legacy key value form").help(format!(
            "write `{}=...` (quote the value if it has spaces)",
            pair.key.value
        ));
    if let Some(fixed) = key_value(sink.source, sink.escape, pair) {
        let whole = &sink.source[pair.span.start as usize..pair.span.end as usize];
        finding = finding.replace(pair.span, whole, fixed);
    }
    sink.report(config, &RULE, finding);
}

/// `key=value` for the legacy pair as written on one line: the value's blanks outside
/// quotes get the escape character, so the one word means what the rest of the line
/// meant. `None` when the pair spans lines.
fn key_value(source: &str, escape: char, pair: &KeyValue) -> Option<String> {
    let slice = |s: Span| source.get(s.start as usize..s.end as usize);
    if slice(pair.span)?.contains('\n') {
        return None;
    }
    let key = slice(pair.key.span)?;
    let value = slice(pair.value.span)?;
    let mut out = format!("{key}=");
    let mut quote: Option<char> = None;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == escape && quote != Some('\'') {
            out.push(c);
            if let Some(n) = chars.next() {
                out.push(n);
            }
            continue;
        }
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, ' ' | '\t') => out.push(escape),
            _ => {}
        }
        out.push(c);
    }
    Some(out)
}
