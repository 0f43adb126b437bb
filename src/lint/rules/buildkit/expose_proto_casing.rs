//! `ExposeProtoCasing`: `EXPOSE 80/TCP`.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "ExposeProtoCasing",
    "expose-proto-casing",
    "Protocol in EXPOSE instruction should be lowercase",
    DOC,
    false,
    Fixable::Yes
);

const DOC: &str = "\
## What it does
Flags an `EXPOSE` port whose protocol is not lower-case.

## Why is this bad?
Protocols are lower-cased in the image configuration anyway; writing them otherwise is
inconsistent with every other tool.

## Example
```dockerfile
FROM alpine
EXPOSE 80/TcP
```

## Use instead
```dockerfile
FROM alpine
EXPOSE 80/tcp
```
";

/// `port` is one expanded port word; `proto` its protocol.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    port: &str,
    proto: &str,
    span: Span,
    instruction: Span,
) {
    if proto == proto.to_lowercase() {
        return;
    }
    let message = format!("Defined protocol '{port}' in EXPOSE instruction should be lowercase");
    let finding = Finding::new(span, instruction, message, "protocol not lower-case")
        .help(format!("write `{}`", proto.to_lowercase()));
    let finding = match port.rsplit_once('/') {
        Some((head, _)) => {
            let fixed = format!("{head}/{}", proto.to_lowercase());
            finding.replace(span, port, fixed)
        }
        None => finding,
    };
    sink.report(config, &RULE, finding);
}
