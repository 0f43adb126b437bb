//! DL3042: Flags `pip install` without `--no-cache-dir`, unless `PIP_NO_CACHE_DIR` is set or `.cache/pip` is a cache mount.

use crate::lint::hadolint::{env_pairs, has_cache_mount, shell::Command, BaseImage, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3042",
    Warning,
    "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`",
    DOC
);

const DOC: &str = "\
## What it does
Flags `pip install` without `--no-cache-dir`, unless `PIP_NO_CACHE_DIR` is set or `.cache/pip` is a cache mount.

## Why is this bad?
pip's download cache stays in the layer and makes the image larger.

## Example
```dockerfile
FROM python:3.12
RUN pip install requests==2.32.3
```

## Use instead
```dockerfile
FROM python:3.12
RUN pip install --no-cache-dir requests==2.32.3
```
";

use std::collections::BTreeMap;

const TRUTHY: &[&str] = &[
    "1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES",
];

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    run(file, out, false);
    run(file, out, true);
}

fn run(file: &File<'_>, out: &mut Out<'_, '_>, onbuild: bool) {
    // Stage name → PIP_NO_CACHE_DIR set there (inherited by stages built on it).
    let mut set: BTreeMap<String, bool> = BTreeMap::new();
    let mut current = String::new();
    for i in file.instrs.iter().filter(|i| i.onbuild == onbuild) {
        match i.keyword.as_str() {
            "from" => {
                let image = BaseImage::read(i);
                let inherited = set.get(&image.name).copied().unwrap_or(false);
                current = image.stage_name().to_string();
                set.insert(current.clone(), inherited);
            }
            "env" => {
                let pairs = env_pairs(i);
                if let Some((_, v)) = pairs.iter().find(|(k, _)| k == "PIP_NO_CACHE_DIR") {
                    if TRUTHY.contains(&v.as_str()) {
                        set.insert(current.clone(), true);
                    }
                }
            }
            "run" => {
                let Some(script) = &i.script else { continue };
                let Some(pip) = script.find(forgot_no_cache_dir) else {
                    continue;
                };
                if set.get(&current).copied().unwrap_or(false)
                    || set_in_script(&script.original)
                    || has_cache_mount(i, ".cache/pip")
                {
                    continue;
                }
                out.report(&RULE, i, i.command_span(pip), "pip cache kept");
            }
            _ => {}
        }
    }
}

fn set_in_script(text: &str) -> bool {
    let Some((_, after)) = text.split_once("PIP_NO_CACHE_DIR=") else {
        return false;
    };
    TRUTHY.iter().any(|t| after.starts_with(t))
}

fn forgot_no_cache_dir(cmd: &Command) -> bool {
    let args: Vec<&str> = cmd.arg_texts().collect();
    let wrapper = |w: &str| {
        cmd.name.contains(w)
            || (cmd.name.starts_with("python") && args.windows(2).any(|p| p == ["-m", w]))
    };
    cmd.is_pip_install()
        && !args.contains(&"--no-cache-dir")
        && !wrapper("pipx")
        && !wrapper("pipenv")
}
