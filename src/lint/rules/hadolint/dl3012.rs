//! DL3012: Flags every `HEALTHCHECK` after the first in a stage.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3012", Error, "Multiple `HEALTHCHECK` instructions", DOC);

const DOC: &str = "\
## What it does
Flags every `HEALTHCHECK` after the first in a stage.

## Why is this bad?
Only the last `HEALTHCHECK` of a stage takes effect; the others are dead text that
misleads the reader.

## Example
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -f http://localhost/
HEALTHCHECK CMD wget -q -O /dev/null http://localhost/
```

## Use instead
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -f http://localhost/
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::repeats_in_stage(
        file,
        out,
        &RULE,
        "healthcheck",
        "second HEALTHCHECK in the stage",
    );
}
