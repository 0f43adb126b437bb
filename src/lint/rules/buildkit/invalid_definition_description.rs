//! `InvalidDefinitionDescription` (experimental): a comment above `FROM ... AS name` or
//! `ARG name` that does not start with the name.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Node;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "InvalidDefinitionDescription",
    "invalid-definition-description",
    "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.",
    DOC,
    true,
    Fixable::No
);

const DOC: &str = "\
## What it does
Looks at the comment line directly above a named `FROM` or an `ARG`. Tools read such a
comment as the description of the stage or argument when its first word is the name;
this rule flags a comment whose first word is not one of the names. Experimental: it
runs only with `# check=experimental=all` (or `--experimental`).

Note: as in BuildKit, only an empty `#` line separates a comment from the instruction;
a blank line does not.

## Why is this bad?
A description that does not follow `# <name> <description>` is not picked up by tools
that list build arguments and stages.

## Example
```dockerfile
# a base image
FROM scratch AS base
# the version
ARG VERSION=1
```

## Use instead
```dockerfile
# base a base image
FROM scratch AS base
# VERSION the version
ARG VERSION=1
```
";

/// `instruction` is `FROM` or `ARG`; `keys` the stage name or the ARG names.
pub fn check(sink: &mut Sink, config: &CheckConfig, instruction: &str, keys: &[&str], node: &Node) {
    let (Some(last), Some(first_key)) = (node.comments.last(), keys.first()) else {
        return;
    };
    let first_word = last.split(' ').next().unwrap_or_default();
    if keys.contains(&first_word) {
        return;
    }
    let example = if keys.len() > 1 {
        "<arg_key>"
    } else {
        first_key
    };
    let message =
        format!("Comment for {instruction} should follow the format: `# {example} <description>`");
    let finding = Finding::new(
        node.keyword_span,
        node.span,
        message,
        "comment above does not start with the name",
    )
    .help(format!(
        "start the comment with `{example}`, or separate it with an empty `#` line"
    ));
    sink.report(config, &RULE, finding);
}
