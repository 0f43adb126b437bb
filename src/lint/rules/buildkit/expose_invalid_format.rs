//! `ExposeInvalidFormat`: `EXPOSE` with an IP address or a host port.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "ExposeInvalidFormat",
    "expose-invalid-format",
    "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release",
    DOC
);

const DOC: &str = "\
## What it does
Flags an `EXPOSE` port written with an IP address or a host port (`127.0.0.1:80:80`,
`80:80`).

## Why is this bad?
`EXPOSE` only documents which container ports the image listens on. Publishing to host
ports is decided by whoever runs the container (`docker run -p`); the extra parts are
ignored today and will be an error in a future release.

## Example
```dockerfile
FROM alpine
EXPOSE 127.0.0.1:80:80
```

## Use instead
```dockerfile
FROM alpine
EXPOSE 80
```
";

pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    port: &str,
    has_ip_or_host: bool,
    span: Span,
    instruction: Span,
) {
    if !has_ip_or_host {
        return;
    }
    let message = format!(
        "EXPOSE instruction should not define an IP address or host-port mapping, found '{port}'"
    );
    let finding = Finding::new(span, instruction, message, "IP or host port")
        .help("keep only the container port (and protocol)");
    sink.report(config, &RULE, finding);
}
