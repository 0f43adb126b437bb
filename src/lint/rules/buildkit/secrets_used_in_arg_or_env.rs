//! `SecretsUsedInArgOrEnv`: ARG or ENV names that look like secrets.

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

use super::buildkit_rule;

pub const RULE: Rule = buildkit_rule!(
    "SecretsUsedInArgOrEnv",
    "secrets-used-in-arg-or-env",
    "Sensitive data should not be used in the ARG or ENV commands",
    DOC
);

const DOC: &str = "\
## What it does
Flags an `ARG` or `ENV` whose name has, as a whole `_`-separated part (any case), one of
`apikey`, `auth`, `credential(s)`, `key`, `password`, `pword`, `passwd`, `secret` or
`token`, unless another part is `public`, `file` or `version`.

## Why is this bad?
Build arguments and environment variables are kept in the image's metadata and history,
where anyone with the image can read them.

## Example
```dockerfile
FROM alpine
ARG AWS_SECRET_ACCESS_KEY
```

## Use instead
```dockerfile
FROM alpine
RUN --mount=type=secret,id=aws,env=AWS_SECRET_ACCESS_KEY aws s3 ls
```
";

const DENY: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];
const ALLOW: &[&str] = &["public", "file", "version"];

/// Whether `name` has one of `tokens` between `_`s or the ends (case-insensitive).
fn has_token(name: &str, tokens: &[&str]) -> bool {
    let lower = name.to_lowercase();
    lower.split('_').any(|part| tokens.contains(&part))
}

pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    instruction: &str,
    key: &str,
    span: Span,
    whole: Span,
) {
    if !has_token(key, DENY) || has_token(key, ALLOW) {
        return;
    }
    let message = format!(
        "Do not use ARG or ENV instructions for sensitive data ({instruction} {})",
        crate::shell::go_quote(key)
    );
    let finding = Finding::new(span, whole, message, "looks like a secret")
        .help("pass secrets with `RUN --mount=type=secret` instead");
    sink.report(config, &RULE, finding);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(has_token("AWS_SECRET_ACCESS_KEY", DENY));
        assert!(has_token("password", DENY));
        assert!(!has_token("PASSWORDS", DENY));
        assert!(has_token("GPG_KEY_FILE", ALLOW));
    }
}
