//! DL3016: Flags `npm install` of a package without `@version` (git URLs need `#commit`; tarballs and folders are fine).

use crate::lint::hadolint::{shell::Command, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3016",
    Warning,
    "Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `npm install` of a package without `@version` (git URLs need `#commit`; tarballs and folders are fine).

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM node:22
RUN npm install -g typescript
```

## Use instead
```dockerfile
FROM node:22
RUN npm install -g typescript@5.6.2
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "unpinned npm package", forgot_pin);
}

fn forgot_pin(cmd: &Command) -> bool {
    if !cmd.is("npm", "install") {
        return false;
    }
    let cmd = cmd.drop_flag_arg(&["loglevel", "registry"]);
    let args = cmd.args_no_flags();
    if args.first() != Some(&"install") {
        return false;
    }
    let packages = args.iter().skip_while(|a| **a == "install");
    !packages.into_iter().all(|p| fixed(p))
}

fn fixed(p: &str) -> bool {
    if ["git://", "git+ssh://", "git+http://", "git+https://"]
        .iter()
        .any(|g| p.starts_with(g))
    {
        return p.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s))
        || ["/", "./", "../", "~/"].iter().any(|s| p.starts_with(s))
    {
        return true;
    }
    let unscoped = if p.starts_with('@') {
        p.trim_start_matches(|c| c != '/')
    } else {
        p
    };
    unscoped.contains('@')
}
