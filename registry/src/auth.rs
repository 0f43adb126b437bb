//! Registry authentication: which credential `~/.docker/config.json` names for a host
//! (`credHelpers`, then `credsStore`, then `auths`, as the docker CLI orders them; the
//! helpers themselves are run by [`crate::helper`]), `WWW-Authenticate` challenges, and
//! the pieces of the Docker token flow (a Bearer challenge names a realm and service; a
//! GET there with the repository's scope returns the token).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;

use crate::error::ConfigError;

/// What the docker config offers for one registry host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    Basic {
        username: String,
        password: String,
    },
    /// The host's credentials live in a helper: run `docker-credential-<name> get`.
    Helper(String),
    /// An entry exists but cannot be used; the reason.
    Unusable(String),
    None,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct DockerConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

/// Credentials by registry hostname.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    basic: BTreeMap<String, (String, String)>,
    helpers: BTreeMap<String, String>,
    /// Entries that cannot be used (identity tokens), with the reason.
    unusable: BTreeMap<String, String>,
    store: Option<String>,
}

impl Credentials {
    /// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`; none is no credentials.
    pub fn from_environment() -> Result<Credentials, ConfigError> {
        let path = match std::env::var_os("DOCKER_CONFIG") {
            Some(dir) => PathBuf::from(dir).join("config.json"),
            None => match std::env::var_os("HOME") {
                Some(home) => PathBuf::from(home).join(".docker/config.json"),
                None => return Ok(Credentials::default()),
            },
        };
        if !path.exists() {
            return Ok(Credentials::default());
        }
        Credentials::load(&path)
    }

    pub fn load(path: &Path) -> Result<Credentials, ConfigError> {
        let err = |message: String| ConfigError::Credentials {
            path: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        Credentials::parse(&bytes).map_err(err)
    }

    pub fn parse(bytes: &[u8]) -> Result<Credentials, String> {
        let file: DockerConfigFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let mut out = Credentials {
            store: file.creds_store.filter(|s| !s.is_empty()),
            ..Credentials::default()
        };
        for (key, helper) in file.cred_helpers {
            out.helpers.insert(hostname(&key), helper);
        }
        for (key, entry) in file.auths {
            let host = hostname(&key);
            if entry
                .identity_token
                .as_deref()
                .is_some_and(|t| !t.is_empty())
            {
                out.unusable.insert(
                    host,
                    "identity tokens (OAuth refresh tokens) are not supported".into(),
                );
                continue;
            }
            let pair = match (entry.auth.filter(|a| !a.is_empty()), entry.username) {
                (Some(auth), _) => {
                    let raw = base64::engine::general_purpose::STANDARD
                        .decode(auth.trim())
                        .map_err(|e| format!("auths.{key}.auth: invalid base64: {e}"))?;
                    let text = String::from_utf8(raw)
                        .map_err(|_| format!("auths.{key}.auth: not UTF-8"))?;
                    let (u, p) = text
                        .split_once(':')
                        .ok_or_else(|| format!("auths.{key}.auth: expected user:password"))?;
                    Some((u.to_string(), p.to_string()))
                }
                (None, Some(u)) if !u.is_empty() => Some((u, entry.password.unwrap_or_default())),
                _ => None,
            };
            if let Some(pair) = pair {
                out.basic.insert(host, pair);
            }
        }
        Ok(out)
    }

    /// The credential for a registry endpoint host (`registry-1.docker.io` is filed under
    /// `https://index.docker.io/v1/`, as the docker CLI does). A helper named for the host
    /// wins, then the default store, then an `auths` entry, as in the docker CLI.
    pub fn lookup(&self, host: &str) -> Credential {
        let key = config_key(host);
        if let Some(h) = self.helpers.get(key) {
            return Credential::Helper(h.clone());
        }
        if let Some(s) = &self.store {
            return Credential::Helper(s.clone());
        }
        if let Some((u, p)) = self.basic.get(key) {
            return Credential::Basic {
                username: u.clone(),
                password: p.clone(),
            };
        }
        if let Some(reason) = self.unusable.get(key) {
            return Credential::Unusable(reason.clone());
        }
        Credential::None
    }

    /// Basic credentials for `host` given directly (tests, `--creds`-like options).
    pub fn with_basic(mut self, host: &str, username: &str, password: &str) -> Credentials {
        self.basic
            .insert(hostname(host), (username.to_string(), password.to_string()));
        self
    }
}

/// The key docker files a registry host under (`index.docker.io` for Docker Hub).
fn config_key(host: &str) -> &str {
    if host == "registry-1.docker.io" || host == "docker.io" {
        "index.docker.io"
    } else {
        host
    }
}

/// The server address docker hands a credential helper for `host`.
pub fn helper_server(host: &str) -> String {
    match config_key(host) {
        "index.docker.io" => "https://index.docker.io/v1/".to_string(),
        other => other.to_string(),
    }
}

/// The docker CLI's `ConvertToHostname`: no scheme, nothing after the first `/`.
fn hostname(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k).to_string()
}

/// `Basic base64(user:password)`.
pub fn basic_header(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

/// One authentication challenge: its scheme (lowercased) and parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

/// Parses a `WWW-Authenticate` value: `Bearer realm="…",service="…",scope="…"`, possibly
/// several challenges separated by commas.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        let end = rest
            .find(|c: char| c == '=' || c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        let token = &rest[..end];
        if token.is_empty() {
            break;
        }
        let after = rest[end..].trim_start_matches([' ', '\t']);
        if let Some(value_part) = after.strip_prefix('=') {
            let (value, remaining) = parse_value(value_part.trim_start());
            if let Some(c) = out.last_mut() {
                c.params.insert(token.to_ascii_lowercase(), value);
            }
            rest = remaining;
        } else {
            out.push(Challenge {
                scheme: token.to_ascii_lowercase(),
                params: BTreeMap::new(),
            });
            rest = after;
        }
    }
    out
}

/// A quoted string (with `\` escapes) or a token; returns it and what follows.
fn parse_value(s: &str) -> (String, &str) {
    if let Some(body) = s.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        value.push(n);
                    }
                }
                '"' => return (value, &body[i + 1..]),
                _ => value.push(c),
            }
        }
        (value, "")
    } else {
        let end = s.find(',').unwrap_or(s.len());
        (s[..end].trim().to_string(), &s[end..])
    }
}

/// Percent-encodes a query component.
pub fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].params["realm"], "https://auth.docker.io/token");
        assert_eq!(c[0].params["scope"], "repository:library/alpine:pull");
        let two = parse_challenges(r#"Basic realm="r", Bearer realm="x",service=s"#);
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].params["service"], "s");
    }

    #[test]
    fn docker_config_entries() {
        let cfg = br#"{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz"},
            "ghcr.io":{"username":"a","password":"b"},"q.io":{"identitytoken":"t"}},
            "credHelpers":{"gcr.io":"gcloud"}}"#;
        let c = Credentials::parse(cfg).unwrap();
        assert_eq!(
            c.lookup("registry-1.docker.io"),
            Credential::Basic {
                username: "user".into(),
                password: "pass".into()
            }
        );
        assert!(matches!(c.lookup("ghcr.io"), Credential::Basic { .. }));
        assert_eq!(c.lookup("gcr.io"), Credential::Helper("gcloud".into()));
        assert!(matches!(c.lookup("q.io"), Credential::Unusable(_)));
        assert_eq!(c.lookup("other.io"), Credential::None);
        assert!(Credentials::parse(br#"{"auths":{"x":{"auth":"!!"}}}"#).is_err());
        let store = Credentials::parse(
            br#"{"credsStore":"pass","credHelpers":{"gcr.io":"gcloud"},"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}}"#,
        )
        .unwrap();
        assert_eq!(store.lookup("ghcr.io"), Credential::Helper("pass".into()));
        assert_eq!(store.lookup("gcr.io"), Credential::Helper("gcloud".into()));
        assert_eq!(
            helper_server("registry-1.docker.io"),
            "https://index.docker.io/v1/"
        );
        assert_eq!(helper_server("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(
            query_escape("repository:a/b:pull"),
            "repository%3Aa%2Fb%3Apull"
        );
    }
}
