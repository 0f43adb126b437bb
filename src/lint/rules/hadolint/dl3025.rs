//! DL3025: Flags `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` in shell form.

use crate::lint::hadolint::{docker, File, Out};
use crate::lint::rules::buildkit::json_args_recommended::exec_form_fix;
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = crate::lint::rule::Rule {
    fixable: crate::lint::rule::Fixable::Yes,
    ..hadolint_rule!(
        "DL3025",
        Warning,
        "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
        DOC
    )
};

const DOC: &str = "\
## What it does
Flags `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` in shell form.

## Why is this bad?
In shell form the command runs under `/bin/sh -c`, which does not pass signals on: the
process is not stopped cleanly.

## Example
```dockerfile
FROM alpine:3.20
CMD nginx -g 'daemon off;'
```

## Use instead
```dockerfile
FROM alpine:3.20
CMD [\"nginx\", \"-g\", \"daemon off;\"]
```

## Fix
`dfc lint --fix` rewrites `CMD` and `ENTRYPOINT` (not `HEALTHCHECK CMD`) as
JSONArgsRecommended does, only where the shell would have run exactly the written words
(`dfc lint --explain JSONArgsRecommended` lists the conditions), and not at all in a file
with a `SHELL` instruction. The image's `Cmd`/`Entrypoint` lose the `/bin/sh -c` prefix.
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    let top = |k: &str| file.instrs.iter().position(|i| i.is(k));
    // The same context rules as JSONArgsRecommended's fix, for the whole file: a SHELL
    // anywhere, an ENTRYPOINT anywhere (for CMD), a CMD in the stage or after (for
    // ENTRYPOINT) leave the command alone.
    let shell = top("shell").is_some();
    let any_entrypoint = top("entrypoint").is_some();
    let mut stage_start = 0;
    for (n, i) in file.instrs.iter().enumerate().filter(|(_, i)| !i.onbuild) {
        if i.is("from") {
            stage_start = n;
        }
        let shell_form = match i.keyword.as_str() {
            "cmd" | "entrypoint" => !docker::exec_form(file, i),
            "healthcheck" => {
                i.node
                    .args
                    .first()
                    .is_some_and(|a| a.value.eq_ignore_ascii_case("cmd"))
                    && !docker::exec_form(file, i)
            }
            _ => false,
        };
        if !shell_form {
            continue;
        }
        let fixable = !shell
            && match i.keyword.as_str() {
                "cmd" => !any_entrypoint,
                "entrypoint" => !file.instrs[stage_start..].iter().any(|c| c.is("cmd")),
                _ => false,
            };
        let fix = if fixable && !i.node.rest_span.is_empty() {
            exec_form_fix(out.source().0, i.node.rest_span)
        } else {
            None
        };
        out.report_fixed(&RULE, i, i.rest(), "shell form", fix);
    }
}
