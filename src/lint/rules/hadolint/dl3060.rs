//! DL3060: Flags a RUN that runs `yarn install` without a later `yarn cache clean` (and without a cache or tmpfs mount of `.cache/yarn`), in the final stage or a stage used as a base by another.

use crate::lint::hadolint::{has_cache_mount, shell::Command, BaseImage, File, Instr, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3060",
    Info,
    "`yarn cache clean` missing after `yarn install` was run.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a RUN that runs `yarn install` without a later `yarn cache clean` (and without a cache
or tmpfs mount of `.cache/yarn`), in the final stage or a stage used as a base by another.

## Why is this bad?
yarn's download cache stays in the layer, adding size for nothing.

## Example
```dockerfile
FROM node:22
RUN yarn install --frozen-lockfile
```

## Use instead
```dockerfile
FROM node:22
RUN yarn install --frozen-lockfile && yarn cache clean
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    run(file, out, false);
    run(file, out, true);
}

/// One pass: top-level instructions, or (hadolint's `onbuild` variant) ONBUILD ones only.
fn run(file: &File<'_>, out: &mut Out<'_, '_>, onbuild: bool) {
    let mut current = BaseImage {
        name: "scratch".to_string(),
        ..BaseImage::default()
    };
    let mut images: Vec<String> = Vec::new();
    // (RUN, its `yarn install`, the stage it is in)
    let mut kept: Vec<(&Instr<'_>, crate::syntax::Span, BaseImage)> = Vec::new();
    for i in file.instrs.iter().filter(|i| i.onbuild == onbuild) {
        if i.keyword == "from" {
            current = BaseImage::read(i);
            images.push(current.name.clone());
        } else if let (Some(script), "run") = (&i.script, i.keyword.as_str()) {
            let Some(first) = script.find(install) else {
                continue;
            };
            let cleaned = script.any(clean);
            let forgot = !cleaned && !has_cache_mount(i, ".cache/yarn");
            let too_early = cleaned && script.runs_before(clean, install);
            if forgot || too_early {
                kept.push((i, i.command_span(first), current.clone()));
            }
        }
    }
    for (i, span, from) in kept {
        let used_later = from.alias.as_ref().is_some_and(|a| images.contains(a));
        if from == current || used_later {
            out.report(&RULE, i, span, "yarn cache kept");
        }
    }
}

fn install(c: &Command) -> bool {
    c.is("yarn", "install")
}

fn clean(c: &Command) -> bool {
    c.has_args(&["yarn"], &["cache", "clean"])
}
