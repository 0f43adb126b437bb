//! `UndefinedVar`: a variable used in an instruction before it is defined.

use std::collections::BTreeSet;

use crate::ast::suggest;
use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "UndefinedVar",
    "undefined-var",
    "Variables should be defined before their use",
    DOC
);

const DOC: &str = "\
## What it does
Flags `$NAME` in an instruction that BuildKit expands (ENV, LABEL, ARG defaults, COPY,
ADD, WORKDIR, USER, VOLUME, STOPSIGNAL) when no `ARG` or `ENV` of the stage (or of the
stages it is based on) defines `NAME`. The base image's environment is assumed to set
only `PATH`. `RUN` is not checked: its variables are the shell's business.

## Why is this bad?
An undefined variable expands to an empty string, usually because of a typo or a
missing `ARG` in the stage (global `ARG`s must be declared again inside a stage).

## Example
```dockerfile
FROM alpine
ENV PATH=$PATH:/opt/bin:$PROJECT_HOME
```

## Use instead
```dockerfile
FROM alpine
ARG PROJECT_HOME=/opt/project
ENV PATH=$PATH:/opt/bin:$PROJECT_HOME
```
";

/// Names BuildKit never reports (its SBOM scan settings).
const NON_ENV_ARGS: &[&str] = &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// Reports each name of `unmatched` that is not a declared build argument of the stage.
/// `env_keys` are the names set in the stage, for the "did you mean" suggestion.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    unmatched: &BTreeSet<String>,
    build_args: &[String],
    env_keys: &[String],
    span: Span,
    instruction: Span,
) {
    for name in unmatched {
        if build_args.contains(name) || NON_ENV_ARGS.contains(&name.as_str()) {
            continue;
        }
        let mut message = format!("Usage of undefined variable '${name}'");
        let suggestion = suggest::search(name, env_keys, true);
        if let Some(s) = &suggestion {
            message.push_str(&format!(" (did you mean ${s}?)"));
        }
        let help = match suggestion {
            Some(s) => format!("did you mean ${s}?"),
            None => format!("declare it first with `ARG {name}` or `ENV {name}=...`"),
        };
        let finding =
            Finding::new(span, instruction, message, "used before it is defined").help(help);
        sink.report(config, &RULE, finding);
    }
}
