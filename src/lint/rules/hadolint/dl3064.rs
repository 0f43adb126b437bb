//! DL3064: Flags an `ARG` or `ENV` whose variable name is a well-known secret (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, …) or contains `api_key`, `client_key`, `password`, `private`, `secret`, `token` or `username`.

use crate::lint::hadolint::{docker, File, Out};
use crate::lint::rules::hadolint::hadolint_rule;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3064",
    Warning,
    "Potentially sensitive data should not be used in the `ARG` or `ENV` commands",
    DOC
);

const DOC: &str = "\
## What it does
Flags an `ARG` or `ENV` whose variable name is a well-known secret (`GITHUB_TOKEN`,
`AWS_SECRET_ACCESS_KEY`, …) or contains `api_key`, `client_key`, `password`, `private`,
`secret`, `token` or `username`.

## Why is this bad?
Build arguments and environment variables are stored in the image's history and config,
where anyone with the image can read them. Use a secret mount instead.

## Example
```dockerfile
FROM alpine:3.20
ARG GITHUB_TOKEN
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN --mount=type=secret,id=github_token cat /run/secrets/github_token
```
";

/// Names hadolint knows to hold secrets (compared upper-cased).
const KNOWN: &[&str] = &[
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];

/// Fragments of suspicious names (compared lower-cased).
const SUSPICIOUS: &[&str] = &[
    "api_key",
    "client_key",
    "password",
    "private",
    "secret",
    "token",
    "username",
];

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    for i in &file.instrs {
        let names: Vec<String> = match i.keyword.as_str() {
            "arg" => docker::arg_name(i)
                .map(str::to_string)
                .into_iter()
                .collect(),
            "env" => docker::pairs(i).into_iter().map(|(k, _)| k).collect(),
            _ => continue,
        };
        if names.iter().any(|n| sensitive(n)) {
            out.report(&RULE, i, i.rest(), "secret in ARG or ENV");
        }
    }
}

fn sensitive(name: &str) -> bool {
    let lower = name.to_lowercase();
    KNOWN.contains(&name.to_uppercase().as_str()) || SUSPICIOUS.iter().any(|s| lower.contains(s))
}
