//! DL3033: Flags `yum install` of a package without a version (`httpd-2.4.6`), unless it is an `.rpm` file or its version is a variable set by an `ENV` of the stage (or the stage it is built on) or by an `ARG`; and `yum module install` of a module without a stream (`nodejs:20`).

use crate::lint::hadolint::{docker, shell::Command, shell::Script, BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use std::collections::{BTreeMap, BTreeSet};

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3033",
    Warning,
    "Specify version with `yum install -y <package>-<version>`.",
    DOC
);

const DOC: &str = "\
## What it does
Flags `yum install` of a package without a version (`httpd-2.4.6`), unless it is an `.rpm`
file or its version is a variable set by an `ENV` of the stage (or the stage it is built
on) or by an `ARG`; and `yum module install` of a module without a stream (`nodejs:20`).

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM centos:7
RUN yum install -y httpd && yum clean all
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    run(file, out, false);
    run(file, out, true);
}

/// The variables a package version may use, per stage (hadolint's state for this rule).
#[derive(Default)]
struct Vars {
    stage: usize,
    /// Stage index → its name ("" without one).
    names: BTreeMap<usize, String>,
    /// Stage index → the ENV variables set there (inherited from the stage built on).
    envs: BTreeMap<usize, BTreeSet<String>>,
    /// ARG variables, from anywhere before.
    args: BTreeSet<String>,
}

impl Vars {
    fn from(&mut self, image: &BaseImage) {
        let next = self.stage + 1;
        let base = self
            .names
            .iter()
            .find(|(_, name)| **name == image.name)
            .map(|(&k, _)| k);
        let inherited = base
            .and_then(|k| self.envs.get(&k))
            .cloned()
            .unwrap_or_default();
        self.names
            .insert(next, image.alias.clone().unwrap_or_default());
        self.envs.insert(next, inherited);
        self.stage = next;
    }

    fn defines(&self, package: &str) -> bool {
        let used = |v: &String| package.contains(&format!("${{{v}}}"));
        self.envs
            .get(&self.stage)
            .is_some_and(|e| e.iter().any(used))
            || self.args.iter().any(used)
    }
}

/// One pass: top-level instructions, or (hadolint's `onbuild` variant) ONBUILD ones only.
fn run(file: &File<'_>, out: &mut Out<'_, '_>, onbuild: bool) {
    let mut vars = Vars::default();
    vars.names.insert(0, String::new());
    for i in file.instrs.iter().filter(|i| i.onbuild == onbuild) {
        match i.keyword.as_str() {
            "from" => vars.from(&BaseImage::read(i)),
            "env" => {
                let keys = docker::pairs(i).into_iter().map(|(k, _)| k);
                vars.envs.entry(vars.stage).or_default().extend(keys);
            }
            "arg" => vars.args.extend(docker::arg_name(i).map(str::to_string)),
            "run" => {
                let Some(script) = &i.script else { continue };
                let packages_ok = packages(script, false).iter().all(|p| pinned(&vars, p));
                let modules_ok = packages(script, true).iter().all(|m| m.contains(':'));
                if !(packages_ok && modules_ok) {
                    out.report(&RULE, i, i.rest(), "unpinned yum package");
                }
            }
            _ => {}
        }
    }
}

/// The packages of `yum install` (or, with `modules`, of `yum module install`).
fn packages(script: &Script, modules: bool) -> Vec<&str> {
    script
        .commands
        .iter()
        .filter(|c| c.is("yum", "module") == modules && c.is("yum", "install"))
        .flat_map(Command::args_no_flags)
        .filter(|a| !matches!(*a, "install" | "module"))
        .collect()
}

fn pinned(vars: &Vars, package: &str) -> bool {
    let parts: Vec<&str> = package.split('-').collect();
    if parts.len() <= 1 {
        false
    } else if package.ends_with(".rpm") {
        true
    } else if package.contains('$') {
        vars.defines(package)
    } else {
        let version = &parts[1..];
        let valid = |c: char| c.is_ascii_alphanumeric() || ".~^_:+".contains(c);
        version.iter().all(|p| p.chars().all(valid))
            && version
                .iter()
                .any(|p| p.starts_with(|c: char| c.is_ascii_digit()))
    }
}
