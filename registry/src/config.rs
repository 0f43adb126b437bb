//! `--registry-config`: the `[registry."HOST"]` tables of a buildkitd.toml (mirrors,
//! `http`, `insecure`), and the endpoints BuildKit's resolver derives from them for a
//! registry host: each mirror in order (with the mirror's own table, if any), then the
//! host itself (`docker.io` is served by `registry-1.docker.io`).
//!
//! Plain HTTP is used when `http = true`, or when `http` is unset and the host is a
//! loopback name (`localhost`, `127.0.0.1`, `[::1]`), as containerd's `MatchLocalhost`
//! decides. `insecure = true` skips TLS verification and, where HTTP would be used,
//! tries HTTPS first and falls back to HTTP.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::ConfigError;

/// One registry host's table.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    #[serde(default)]
    pub mirrors: Vec<String>,
    pub http: Option<bool>,
    pub insecure: Option<bool>,
}

/// The registry tables of a buildkitd.toml; other sections of the file are ignored.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct RegistryConfig {
    #[serde(default)]
    pub registry: BTreeMap<String, HostConfig>,
}

/// How an endpoint is spoken to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Https,
    Http,
    /// HTTPS without certificate verification, falling back to HTTP on a TLS failure.
    HttpsThenHttp,
}

/// One place to ask for a repository's manifests and blobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `host[:port]`.
    pub host: String,
    /// The API root, `/v2` or `/v2/<mirror path>`.
    pub path: String,
    pub transport: Transport,
    /// Skip TLS certificate verification.
    pub insecure: bool,
}

impl Endpoint {
    /// `host (https)`, for error messages.
    pub fn describe(&self) -> String {
        let t = match self.transport {
            Transport::Https if self.insecure => "https, unverified",
            Transport::Https => "https",
            Transport::Http => "http",
            Transport::HttpsThenHttp => "https, unverified, then http",
        };
        format!("{}{} ({t})", self.host, self.path.trim_start_matches("/v2"))
    }
}

impl RegistryConfig {
    pub fn parse(text: &str) -> Result<RegistryConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn load(path: &Path) -> Result<RegistryConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Registry {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        RegistryConfig::parse(&text).map_err(|message| ConfigError::Registry {
            path: path.display().to_string(),
            message,
        })
    }

    /// The endpoints to try, in order, for images named under `domain`.
    pub fn endpoints(&self, domain: &str) -> Vec<Endpoint> {
        let own = self.registry.get(domain);
        let mut out = Vec::new();
        for mirror in own.map(|c| c.mirrors.as_slice()).unwrap_or_default() {
            let (host, sub) = mirror_host_and_path(mirror);
            let cfg = self.registry.get(&host).cloned().unwrap_or_default();
            out.push(endpoint(&host, format!("/v2{sub}"), &cfg));
        }
        let host = if domain == "docker.io" {
            "registry-1.docker.io"
        } else {
            domain
        };
        out.push(endpoint(
            host,
            "/v2".into(),
            &own.cloned().unwrap_or_default(),
        ));
        out
    }
}

fn endpoint(host: &str, path: String, cfg: &HostConfig) -> Endpoint {
    let http = cfg.http.unwrap_or_else(|| is_localhost(host));
    let insecure = cfg.insecure == Some(true);
    let transport = match (insecure, http) {
        (true, true) => Transport::HttpsThenHttp,
        (false, true) => Transport::Http,
        (_, false) => Transport::Https,
    };
    Endpoint {
        host: host.to_string(),
        path,
        transport,
        insecure,
    }
}

/// containerd's `MatchLocalhost`.
pub fn is_localhost(host: &str) -> bool {
    ["localhost", "127.0.0.1", "[::1]"].iter().any(|s| {
        host.strip_prefix(s)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
    }) || host == "::1"
}

/// A mirror entry is `host[:port][/path]`, optionally with a scheme (which is ignored).
fn mirror_host_and_path(mirror: &str) -> (String, String) {
    let rest = mirror
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(mirror)
        .trim_start_matches("//");
    match rest.split_once('/') {
        Some((h, p)) if !h.is_empty() => {
            let p = p.trim_end_matches('/');
            let sub = if p.is_empty() {
                String::new()
            } else {
                format!("/{p}")
            };
            (h.to_string(), sub)
        }
        _ => (rest.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_then_host_with_their_own_tables() {
        let cfg = RegistryConfig::parse(
            r#"
[registry."docker.io"]
mirrors = ["127.0.0.1:5000", "mirror.example:443/sub/"]
[registry."mirror.example:443"]
insecure = true
"#,
        )
        .unwrap();
        let e = cfg.endpoints("docker.io");
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].host, "127.0.0.1:5000");
        assert_eq!(e[0].transport, Transport::Http);
        assert_eq!(e[1].host, "mirror.example:443");
        assert_eq!(e[1].path, "/v2/sub");
        assert_eq!(e[1].transport, Transport::Https);
        assert!(e[1].insecure);
        assert_eq!(e[2].host, "registry-1.docker.io");
        assert_eq!(e[2].transport, Transport::Https);
    }

    #[test]
    fn defaults_without_a_table() {
        let cfg = RegistryConfig::default();
        assert_eq!(
            cfg.endpoints("localhost:5000")[0].transport,
            Transport::Http
        );
        assert_eq!(cfg.endpoints("ghcr.io")[0].transport, Transport::Https);
        let cfg = RegistryConfig::parse("[registry.\"r.example\"]\nhttp = true\ninsecure = true\n")
            .unwrap();
        assert_eq!(
            cfg.endpoints("r.example")[0].transport,
            Transport::HttpsThenHttp
        );
    }

    #[test]
    fn unknown_keys_in_a_host_table_are_errors() {
        assert!(RegistryConfig::parse("[registry.\"x\"]\nca = [\"a\"]\n").is_err());
        assert!(RegistryConfig::parse("[worker.oci]\nenabled = true\n").is_ok());
        assert!(!is_localhost("localhost.example"));
        assert!(is_localhost("[::1]:5000"));
    }
}
