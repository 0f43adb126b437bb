//! DL3041: Flags `dnf install` / `microdnf install` of a package (or module) without a version.

use crate::lint::hadolint::{env_pairs, shell::Command, BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3041",
    Warning,
    "Specify version with `dnf install -y <package>-<version>`.",
    DOC
);

const DOC: &str = "\
## What it does
Flags `dnf install` / `microdnf install` of a package (or module) without a version.

## Why is this bad?
Unpinned packages make builds that change without the Dockerfile changing.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y httpd
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62
```
";

use std::collections::BTreeMap;

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    run(file, out, false);
    run(file, out, true);
}

fn run(file: &File<'_>, out: &mut Out<'_, '_>, onbuild: bool) {
    // Names of ARGs (whole file) and ENVs (per stage, inherited) a version may come from.
    let mut args: Vec<String> = Vec::new();
    let mut envs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for i in file.instrs.iter().filter(|i| i.onbuild == onbuild) {
        match i.keyword.as_str() {
            "from" => {
                let image = BaseImage::read(i);
                let inherited = envs.get(&image.name).cloned().unwrap_or_default();
                current = image.alias.unwrap_or_default();
                envs.insert(current.clone(), inherited);
            }
            "arg" => args.extend(
                i.node
                    .args
                    .iter()
                    .map(|a| a.value.split('=').next().unwrap_or("").to_string()),
            ),
            "env" => envs
                .entry(current.clone())
                .or_default()
                .extend(env_pairs(i).into_iter().map(|(k, _)| k)),
            "run" => {
                let Some(script) = &i.script else { continue };
                let known: Vec<&String> = args
                    .iter()
                    .chain(envs.get(&current).into_iter().flatten())
                    .collect();
                let packages_ok = script
                    .commands
                    .iter()
                    .filter(|c| !c.has_args(DNF, &["module", "group"]))
                    .flat_map(install_args)
                    .all(|p| package_pinned(&p, &known));
                let modules_ok = script
                    .commands
                    .iter()
                    .filter(|c| c.has_args(DNF, &["module"]))
                    .flat_map(install_args)
                    .all(|m| m.contains(':'));
                if !(packages_ok && modules_ok) {
                    out.report(&RULE, i, i.rest(), "unpinned dnf package");
                }
            }
            _ => {}
        }
    }
}

const DNF: &[&str] = &["dnf", "microdnf"];

fn install_args(cmd: &Command) -> Vec<String> {
    if !cmd.has_args(DNF, &["install"]) {
        return Vec::new();
    }
    cmd.args_no_flags()
        .into_iter()
        .filter(|a| *a != "install" && *a != "module")
        .map(str::to_string)
        .collect()
}

fn package_pinned(package: &str, known: &[&String]) -> bool {
    let parts: Vec<&str> = package.split('-').collect();
    if parts.len() <= 1 {
        return false;
    }
    if package.ends_with(".rpm") {
        return true;
    }
    if package.contains('$') {
        return known.iter().any(|v| package.contains(&format!("${{{v}}}")));
    }
    let rest = &parts[1..];
    rest.iter().all(|p| {
        p.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".~^_:+".contains(c))
    }) && rest
        .iter()
        .any(|p| p.starts_with(|c: char| c.is_ascii_digit()))
}
