//! `MultipleInstructionsDisallowed`: more than one CMD, ENTRYPOINT or HEALTHCHECK in a
//! stage.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "MultipleInstructionsDisallowed",
    "multiple-instructions-disallowed",
    "Multiple instructions of the same type should not be used in the same stage",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` that is followed by another one of the same
kind in the same stage. The earlier instruction is the one reported: it has no effect.

## Why is this bad?
Only the last of these instructions counts, so the earlier ones are dead code that
misleads readers.

## Example
```dockerfile
FROM alpine
CMD [\"echo\", \"one\"]
CMD [\"echo\", \"two\"]
```

## Use instead
```dockerfile
FROM alpine
CMD [\"echo\", \"two\"]
```
";

/// `earlier` is the overridden instruction, `keyword` its keyword's span.
pub fn check(sink: &mut Sink, config: &CheckConfig, name: &str, keyword: Span, earlier: Span) {
    let message = format!(
        "Multiple {name} instructions should not be used in the same stage because only the last one will be used"
    );
    let finding = Finding::new(keyword, earlier, message, "overridden later in the stage")
        .help(format!("remove this {name}, or merge it into the last one"));
    sink.report(config, &RULE, finding);
}
