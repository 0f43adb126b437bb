//! DL3013: Flags `pip install` of a package without a version specifier (`==`, `>=`, `~=`, …); requirement files, constraints, local paths, wheels and versioned VCS URLs are fine.

use crate::lint::hadolint::{shell::Command, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3013",
    Warning,
    "Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `pip install` of a package without a version specifier (`==`, `>=`, `~=`, …); requirement files, constraints, local paths, wheels and versioned VCS URLs are fine.

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM python:3.12
RUN pip install requests
```

## Use instead
```dockerfile
FROM python:3.12
RUN pip install requests==2.32.3
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    super::flag_command(file, out, &RULE, true, "unpinned pip package", forgot_pin);
}

const VALUE_FLAGS: &[&str] = &[
    "abi",
    "b",
    "build",
    "e",
    "editable",
    "extra-index-url",
    "f",
    "find-links",
    "i",
    "index-url",
    "implementation",
    "no-binary",
    "only-binary",
    "platform",
    "prefix",
    "progress-bar",
    "proxy",
    "python",
    "python-version",
    "root",
    "root-user-action",
    "src",
    "t",
    "target",
    "trusted-host",
    "upgrade-strategy",
];

const VCS: &[&str] = &[
    "git+file",
    "git+https",
    "git+ssh",
    "git+http",
    "git+git",
    "git",
    "hg+file",
    "hg+http",
    "hg+https",
    "hg+ssh",
    "hg+static-http",
    "svn",
    "svn+svn",
    "svn+http",
    "svn+https",
    "svn+ssh",
    "bzr+http",
    "bzr+https",
    "bzr+ssh",
    "bzr+sftp",
    "bzr+ftp",
    "bzr+lp",
];

fn forgot_pin(cmd: &Command) -> bool {
    if !cmd.is_pip_install() || cmd.has_flag("constraint") || cmd.has_flag("c") {
        return false;
    }
    if cmd.has_arg("--requirement") || cmd.has_arg("-r") || cmd.has_arg(".") {
        return false;
    }
    let dropped = cmd.drop_flag_arg(VALUE_FLAGS);
    let args = dropped.args_no_flags();
    let packages = args
        .iter()
        .skip_while(|a| **a != "install")
        .skip_while(|a| **a == "install");
    !packages.into_iter().all(|p| fixed(p))
}

fn fixed(p: &str) -> bool {
    let vcs = VCS.iter().any(|v| p.starts_with(v));
    ["==", ">=", "<=", ">", "<", "!=", "~=", "==="]
        .iter()
        .any(|s| p.contains(s))
        || (vcs && p.contains('@'))
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || (!vcs && p.contains('/'))
}
