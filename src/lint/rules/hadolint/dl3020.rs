//! DL3020: Flags an `ADD` whose sources include something that is neither an archive (`.tar`, `.gz`, `.tgz`, …) nor an `http(s)://` URL.

use crate::lint::hadolint::{docker, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3020",
    Error,
    "Use COPY instead of ADD for files and folders",
    DOC
);

const DOC: &str = "\
## What it does
Flags an `ADD` whose sources include something that is neither an archive (`.tar`, `.gz`,
`.tgz`, …) nor an `http(s)://` URL.

## Why is this bad?
`ADD` also downloads and unpacks; using it for plain files hides which of those it does.
`COPY` says exactly what happens.

## Example
```dockerfile
FROM alpine:3.20
ADD app.conf /etc/app/
```

## Use instead
```dockerfile
FROM alpine:3.20
COPY app.conf /etc/app/
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in file.instrs.iter().filter(|i| i.is("add")) {
        let Some(args) = docker::copy_args(i) else {
            continue;
        };
        let plain = |s: &&str| {
            let s = docker::drop_quotes(s);
            !(docker::is_archive(s) || s.starts_with("https://") || s.starts_with("http://"))
        };
        if args.sources.iter().any(plain) {
            out.report(&RULE, i, i.node.keyword_span, "ADD of a plain file");
        }
    }
}
