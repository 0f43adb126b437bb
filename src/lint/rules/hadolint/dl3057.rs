//! DL3057: Flags a stage without a `HEALTHCHECK` (off by default, as in hadolint: give it
//! a severity to turn it on).

use crate::lint::hadolint::{BaseImage, File, Instr, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = crate::lint::rule::Rule {
    experimental: true,
    ..hadolint_rule!("DL3057", Info, "`HEALTHCHECK` instruction missing.", DOC)
};

const DOC: &str = "\
## What it does
Flags each stage that has no `HEALTHCHECK` (`HEALTHCHECK NONE` counts), unless a
`HEALTHCHECK` in a stage built on it covers it, or it is built on a stage that has one.
Off by default, as hadolint's `ignore` level: turn it on by giving it a severity
(`override: {info: [DL3057]}` in `.hadolint.yaml`, `--info DL3057`).

## Configuration
```yaml
override:
  info:
    - DL3057
```

## Why is this bad?
Without a health check, orchestrators only know whether the process runs, not whether it
serves.

## Example
```dockerfile
FROM nginx:1.27
COPY site /usr/share/nginx/html
```

## Use instead
```dockerfile
FROM nginx:1.27
COPY site /usr/share/nginx/html
HEALTHCHECK CMD curl -fs http://localhost/ || exit 1
```
";

struct Stage<'a> {
    /// The base image's name.
    src: String,
    /// The stage's alias, else its image name.
    name: String,
    from: &'a Instr<'a>,
}

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let mut stages: Vec<Stage<'_>> = Vec::new();
    let mut good: Vec<usize> = Vec::new();
    let mut bad: Vec<usize> = Vec::new();
    for i in file.instrs.iter().filter(|i| !i.onbuild) {
        match i.keyword.as_str() {
            "from" => {
                let image = BaseImage::read(i);
                let stage = Stage {
                    name: image.stage_name().to_string(),
                    src: image.name,
                    from: i,
                };
                let inherits = good.iter().any(|&g| stages[g].name == stage.src);
                stages.push(stage);
                let current = stages.len() - 1;
                if inherits {
                    good.push(current);
                } else {
                    bad.push(current);
                }
            }
            "healthcheck" if !stages.is_empty() => {
                let current = stages.len() - 1;
                // The stages the current one is built on, transitively, are covered too.
                let mut covered = vec![current];
                let mut frontier = vec![current];
                while let Some(s) = frontier.pop() {
                    for &b in &bad {
                        if stages[b].name == stages[s].src && !covered.contains(&b) {
                            covered.push(b);
                            frontier.push(b);
                        }
                    }
                }
                bad.retain(|b| !covered.contains(b));
                good.extend(covered);
            }
            _ => {}
        }
    }
    bad.sort_unstable();
    bad.dedup();
    for b in bad {
        let from = stages[b].from;
        out.report(&RULE, from, from.rest(), "no HEALTHCHECK in this stage");
    }
}
