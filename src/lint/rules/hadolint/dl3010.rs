//! DL3010: Flags a `COPY` of an archive (`.tar`, `.gz`, `.tgz`, …) that a later RUN of the same stage unpacks with `tar -x` or `unzip`, `gunzip`, `bunzip2`, `unxz`, `zcat` and the like. As in hadolint, only the last stage is checked.

use crate::lint::hadolint::{docker, shell::Command, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use std::collections::BTreeSet;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3010",
    Info,
    "Use `ADD` for extracting archives into an image",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `COPY` of an archive (`.tar`, `.gz`, `.tgz`, …) that a later RUN of the same stage
unpacks with `tar -x` or `unzip`, `gunzip`, `bunzip2`, `unxz`, `zcat` and the like.
As in hadolint, only the last stage is checked.

## Why is this bad?
`ADD` unpacks a local archive in one step; copying it and unpacking it in a RUN keeps the
archive itself in a layer.

## Example
```dockerfile
FROM alpine:3.20
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt
```

## Use instead
```dockerfile
FROM alpine:3.20
ADD app.tar.gz /opt/
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    // (COPY instruction index, archive base name), remembered since the last FROM.
    let mut archives: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut extracted: BTreeSet<(usize, String)> = BTreeSet::new();
    for (n, i) in file.instrs.iter().enumerate() {
        if i.is("from") {
            archives.clear();
            extracted.clear();
        } else if i.is("copy") && i.flag("from").is_none() {
            let Some(args) = docker::copy_args(i) else {
                continue;
            };
            if docker::is_archive(args.target) {
                archives.insert((n, basename(args.target).to_string()));
            } else {
                let found = args
                    .sources
                    .iter()
                    .map(|s| basename(s))
                    .filter(|s| docker::is_archive(s));
                archives.extend(found.map(|s| (n, s.to_string())));
            }
        } else if let (true, Some(script)) = (i.is("run"), &i.script) {
            let extractors: Vec<&Command> =
                script.commands.iter().filter(|c| extracts(c)).collect();
            for archive in &archives {
                let named =
                    |c: &&Command| c.args_no_flags().iter().any(|a| basename(a) == archive.1);
                if extractors.iter().any(named) {
                    extracted.insert(archive.clone());
                }
            }
        }
    }
    // One finding per COPY, however many of its archives are unpacked (as hadolint shows it).
    let mut reported = None;
    for (n, archive) in extracted {
        if reported.replace(n) == Some(n) {
            continue;
        }
        let i = &file.instrs[n];
        let word = i.node.args.iter().find(|a| basename(&a.value) == archive);
        let span = word.map_or(i.node.keyword_span, |a| a.span);
        out.report(&RULE, i, span, "archive unpacked by a later RUN");
    }
}

/// `tar` with `-x…`, `--extract` or `--get`, or a decompressor.
fn extracts(c: &Command) -> bool {
    let tar = c.name == "tar"
        && c.arg_texts()
            .any(|a| matches!(a, "--extract" | "--get") || (a.starts_with('-') && a.contains('x')));
    let unzip = matches!(
        c.name.as_str(),
        "unzip"
            | "gunzip"
            | "bunzip2"
            | "unlzma"
            | "unxz"
            | "zgz"
            | "uncompress"
            | "zcat"
            | "gzcat"
    );
    tar || unzip
}

/// The last path component, quotes dropped.
fn basename(path: &str) -> &str {
    let path = docker::drop_quotes(path);
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
