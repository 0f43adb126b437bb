//! DL3006: Flags `FROM image` without a tag or digest, unless the image is `scratch`, a variable or an earlier stage.

use crate::lint::hadolint::{BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3006",
    Warning,
    "Always tag the version of an image explicitly",
    DOC
);

const DOC: &str = "\
## What it does
Flags `FROM image` without a tag or digest, unless the image is `scratch`, a variable or an earlier stage.

## Why is this bad?
An untagged image means `latest`, which changes under you.

## Example
```dockerfile
FROM debian
```

## Use instead
```dockerfile
FROM debian:12.7
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut aliases: Vec<String> = Vec::new();
    for i in file.instrs.iter().filter(|i| i.is("from")) {
        let image = BaseImage::read(i);
        let untagged = image.name != "scratch"
            && image.digest.is_none()
            && image.tag.is_none()
            && !image.name.starts_with('$')
            && !aliases.contains(&image.name);
        if untagged {
            out.report(&RULE, i, BaseImage::span(i), "no tag");
        }
        if let Some(a) = image.alias {
            aliases.push(a);
        }
    }
}
