//! `ConsistentInstructionCasing`: instruction keywords not in the file's majority case.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "ConsistentInstructionCasing",
    "consistent-instruction-casing",
    "All commands within the Dockerfile should use the same casing (either upper or lower)",
    DOC,
    false,
    Fixable::Yes
);

const DOC: &str = "\
## What it does
Counts the instruction keywords of all stages written fully in lower case and fully in
upper case, and flags every keyword that is not in the majority's case (upper case wins
a tie). Mixed-case keywords such as `From` are always flagged. `ARG`s before the first
`FROM` are not counted.

## Why is this bad?
One style makes a Dockerfile easier to read; a keyword in another case stands out as a
mistake.

## Example
```dockerfile
FROM alpine
run echo hello
```

## Use instead
```dockerfile
FROM alpine
RUN echo hello
```
";

/// A keyword as written, and the spans of the keyword and of its instruction.
pub struct Keyword<'a> {
    pub text: &'a str,
    pub span: Span,
    pub instruction: Span,
}

pub fn check(sink: &mut Sink, config: &CheckConfig, keywords: &[Keyword<'_>]) {
    let (mut lower, mut upper) = (0usize, 0usize);
    for k in keywords {
        if k.text == k.text.to_lowercase() {
            lower += 1;
        } else if k.text == k.text.to_uppercase() {
            upper += 1;
        }
    }
    let majority_lower = lower > upper;
    for k in keywords {
        let (casing, wanted) = if majority_lower {
            ("lowercase", k.text.to_lowercase())
        } else {
            ("uppercase", k.text.to_uppercase())
        };
        if k.text == wanted {
            continue;
        }
        let message = format!(
            "Command '{}' should match the case of the command majority ({casing})",
            k.text
        );
        let finding = Finding::new(k.span, k.instruction, message, format!("not {casing}"))
            .help(format!("write `{wanted}`"))
            .replace(k.span, k.text, wanted.clone());
        sink.report(config, &RULE, finding);
    }
}
