//! DL3011: Flags an `EXPOSE` of a port number, or a port range end, above 65535.

use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3011",
    Error,
    "Valid UNIX ports range from 0 to 65535",
    DOC
);

const DOC: &str = "\
## What it does
Flags an `EXPOSE` of a port number, or a port range end, above 65535.

## Why is this bad?
No such port exists; the instruction documents something that cannot be.

## Example
```dockerfile
FROM nginx:1.27
EXPOSE 80 80000
```

## Use instead
```dockerfile
FROM nginx:1.27
EXPOSE 80 8000
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("expose")) {
        if let Some(port) = i.node.args.iter().find(|a| out_of_range(&a.value)) {
            out.report(&RULE, i, port.span, "port above 65535");
        }
    }
}

/// A port (`80`, `80/tcp`) or range (`8000-9000/udp`) with a number above 65535, as
/// hadolint's parser reads ports: a limit written as a variable is never out of range.
fn out_of_range(word: &str) -> bool {
    let ports = word.split('/').next().unwrap_or("");
    let too_big = |n: &str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && n.parse::<u32>().map_or(true, |p| p > 65535)
    };
    match ports.split_once('-') {
        Some((low, high)) => {
            let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
            number(low) && number(high) && (too_big(low) || too_big(high))
        }
        None => too_big(ports),
    }
}
