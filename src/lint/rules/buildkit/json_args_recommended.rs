//! `JSONArgsRecommended`: CMD or ENTRYPOINT in shell form.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "JSONArgsRecommended",
    "json-args-recommended",
    "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    DOC,
    false,
    // Only where the shell would run exactly the written words (see `exec_form_fix`).
    Fixable::Yes
);

const DOC: &str = "\
## What it does
Flags `CMD` and `ENTRYPOINT` in shell form (`CMD my-app --flag`) in a stage where no
`SHELL` instruction has set a shell (in the stage or the stages it is based on).

## Why is this bad?
In shell form the command runs as a child of `/bin/sh -c`. The shell is PID 1 and does
not forward signals such as SIGTERM, so the application is killed after the stop
timeout instead of shutting down cleanly.

## Example
```dockerfile
FROM alpine
ENTRYPOINT my-program start
```

## Use instead
```dockerfile
FROM alpine
ENTRYPOINT [\"my-program\", \"start\"]
```
If a shell is really needed, say so with `SHELL` or write `[\"/bin/sh\", \"-c\", \"...\"]`.

## Fix
`dfc lint --fix` rewrites the command as a JSON array only where the shell would have run
exactly the written words: a one-line command of plain words made of ASCII letters,
digits and `-_./:,@%+` (and `=` outside the first word), whose first word is not a shell
builtin or reserved word (`cd`, `exec`, `echo`, `true`, `.`, `if`, ...). Anything else is
left alone: quotes, `$`, the escape character or a backslash, globs (`*?[`), `~`,
`;&|<>()`, `{}`, `!`, `#`, `^`, a leading `NAME=value`, line continuations, heredocs. A
`CMD` is fixed only in a file without `ENTRYPOINT`, since the words would go to the
entrypoint in place of `/bin/sh -c \"...\"`; an `ENTRYPOINT` only when no `CMD` is in its
stage or a later stage of the file, since an exec-form entrypoint takes CMD's words as
arguments while `/bin/sh -c` ignored them. An `ENTRYPOINT` set by the base image is not
visible to the linter: there, check that it expects the command's words.

This changes the image on purpose: `Cmd`/`Entrypoint` lose the `/bin/sh -c` prefix and
hold the words themselves, so the program runs as PID 1 and receives the signals. Words
given to `docker run IMAGE ...` become arguments of an exec-form `ENTRYPOINT`, where the
shell form dropped them.
";

/// Reports `name` (CMD or ENTRYPOINT) in shell form; `fixable` says whether the
/// instruction's context allows the exec-form rewrite (see [`exec_form_fix`]).
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    name: &str,
    command: Span,
    instruction: Span,
    fixable: bool,
) {
    let message =
        format!("JSON arguments recommended for {name} to prevent unintended behavior related to OS signals");
    let finding = Finding::new(command, instruction, message, "shell form").help(format!(
        "write {name} as a JSON array: [\"executable\", \"arg\"]"
    ));
    let finding = match fixable
        .then(|| exec_form_fix(sink.source, command))
        .flatten()
    {
        Some((span, expect, text)) => finding.replace(span, &expect, text),
        None => finding,
    };
    sink.report(config, &RULE, finding);
}

/// Shell builtins and reserved words of sh, dash, bash and busybox ash: as the first word
/// the shell runs them itself, while exec form would look for a program of that name.
const SHELL_OWN: &[&str] = &[
    ".", ":", "[", "[[", "alias", "bg", "bind", "break", "builtin", "case", "cd", "command",
    "continue", "declare", "do", "done", "echo", "elif", "else", "enable", "esac", "eval", "exec",
    "exit", "export", "false", "fc", "fg", "fi", "for", "function", "getopts", "hash", "help",
    "history", "if", "in", "jobs", "kill", "let", "local", "logout", "printf", "pwd", "read",
    "readonly", "return", "select", "set", "shift", "source", "test", "then", "time", "times",
    "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "unset", "until", "wait",
    "while",
];

/// The exec-form rewrite of a shell-form command, when `/bin/sh -c` would run exactly
/// the written words: `command` (the text after the keyword) becomes `["w1", "w2"]`.
/// Returns the span, the text it holds and the replacement; `None` when any shell syntax
/// could give the words another meaning (the rule's doc lists what is refused).
pub fn exec_form_fix(source: &str, command: Span) -> Option<(Span, String, String)> {
    let written = source.get(command.start as usize..command.end as usize)?;
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:,@%+=".contains(c);
    if !written.chars().all(|c| plain(c) || c == ' ' || c == '\t') {
        return None;
    }
    let words: Vec<&str> = written
        .split([' ', '\t'])
        .filter(|w| !w.is_empty())
        .collect();
    let first = words.first()?;
    if first.contains('=') || SHELL_OWN.contains(first) {
        return None;
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|w| serde_json::to_string(w).ok())
        .collect::<Option<_>>()?;
    Some((
        command,
        written.to_string(),
        format!("[{}]", quoted.join(", ")),
    ))
}
