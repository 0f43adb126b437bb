//! `JSONArgsRecommended`: CMD or ENTRYPOINT in shell form.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "JSONArgsRecommended",
    "json-args-recommended",
    "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    DOC,
    false,
    // Not mechanical: exec form drops the shell (no variables, pipes, `&&`), so the
    // rewrite depends on what the command means.
    Fixable::No
);

const DOC: &str = "\
## What it does
Flags `CMD` and `ENTRYPOINT` in shell form (`CMD my-app --flag`) in a stage where no
`SHELL` instruction has set a shell (in the stage or the stages it is based on).

## Why is this bad?
In shell form the command runs as a child of `/bin/sh -c`. The shell is PID 1 and does
not forward signals such as SIGTERM, so the application is killed after the stop
timeout instead of shutting down cleanly.

## Example
```dockerfile
FROM alpine
ENTRYPOINT my-program start
```

## Use instead
```dockerfile
FROM alpine
ENTRYPOINT [\"my-program\", \"start\"]
```
If a shell is really needed, say so with `SHELL` or write `[\"/bin/sh\", \"-c\", \"...\"]`.
";

pub fn check(sink: &mut Sink, config: &CheckConfig, name: &str, command: Span, instruction: Span) {
    let message =
        format!("JSON arguments recommended for {name} to prevent unintended behavior related to OS signals");
    let finding = Finding::new(command, instruction, message, "shell form").help(format!(
        "write {name} as a JSON array: [\"executable\", \"arg\"]"
    ));
    sink.report(config, &RULE, finding);
}
