//! DL3049: Flags a stage (on its `FROM`) that lacks a label of the configured label
//! schema, with hadolint's inheritance: a stage built on an earlier stage that has the
//! label has it too, and a stage only used as a `COPY --from` source is not flagged.

use crate::lint::hadolint::labels::label_pairs;
use crate::lint::hadolint::{BaseImage, File, Instr, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule =
    hadolint_rule!("DL3049", Info, "Label `<label>` is missing.", DOC);

const DOC: &str = "\
## What it does
For each label of the label schema, flags every stage that does not set it. A stage whose
base is an earlier stage that sets the label is fine, and so is a stage that a later
stage copies from (`COPY --from`) or that a later stage with the label names, since only
the image you ship needs the labels. Off until a label schema is configured.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.source: url
```

## Why is this bad?
Required labels (owner, source, version) are how images are traced back to their code.

## Example
```dockerfile
FROM alpine:3.20
RUN true
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source=\"https://github.com/acme/app\"
```
";

/// A stage as hadolint identifies it.
#[derive(Clone)]
struct Stage<'a> {
    image: BaseImage,
    from: &'a Instr<'a>,
}

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let labels: Vec<String> = out.settings().label_schema.keys().cloned().collect();
    for label in &labels {
        for stage in missing(file, label) {
            out.report_message(
                &RULE,
                stage.from,
                stage.from.rest(),
                "label missing in this stage",
                format!("Label `{label}` is missing."),
            );
        }
    }
}

/// The stages hadolint reports for `label`, by index into the FROMs.
fn missing<'a>(file: &'a File<'a>, label: &str) -> Vec<Stage<'a>> {
    let mut stages: Vec<Stage<'a>> = Vec::new();
    // Indices into `stages`.
    let mut good: Vec<usize> = Vec::new();
    let mut bad: Vec<usize> = Vec::new();
    let alias_is = |s: &Stage<'_>, name: &str| s.image.alias.as_deref() == Some(name);
    for i in file.instrs.iter().filter(|i| !i.onbuild) {
        match i.keyword.as_str() {
            "from" => {
                let image = BaseImage::read(i);
                let inherits = good.iter().any(|&g| alias_is(&stages[g], &image.name));
                stages.push(Stage { image, from: i });
                let current = stages.len() - 1;
                if inherits {
                    good.push(current);
                } else {
                    bad.push(current);
                }
            }
            "copy" => {
                if let Some(source) = i.flag("from") {
                    bad.retain(|&b| !alias_is(&stages[b], source));
                }
            }
            "label" if !stages.is_empty() && label_pairs(i).iter().any(|p| p.key == label) => {
                let current = stages.len() - 1;
                let name = stages[current].image.stage_name().to_string();
                bad.retain(|&b| !alias_is(&stages[b], &name));
                bad.retain(|&b| b != current);
                good.push(current);
            }
            _ => {}
        }
    }
    bad.sort_unstable();
    bad.dedup();
    bad.into_iter().map(|b| stages[b].clone()).collect()
}
