//! The OCI distribution client shared by `dfc compile`'s image resolver and the runner's
//! image pulls and pushes: image references as `distribution/reference` normalizes them,
//! platforms as containerd parses and prefers them, buildkitd.toml registry tables
//! (mirrors, `http`, `insecure`), docker `config.json` credentials (`auths`, credential
//! helpers), the Bearer/Basic challenge flow, manifest and index resolution, blob
//! fetches verified by digest, and pushes (cross-repository mounts, monolithic uploads,
//! manifest puts). Blocking `ureq` + rustls; no async runtime.
//!
//! What it does not do: unpack layers, cache anything on disk, or know Dockerfiles.

pub mod auth;
pub mod config;
mod error;
pub mod helper;
mod http;
pub mod platform;
mod pull;
mod push;
pub mod reference;
mod select;

use sha2::{Digest as _, Sha256};

pub use auth::{Credential, Credentials};
pub use config::{Endpoint, HostConfig, RegistryConfig, Transport};
pub use error::{Attempt, ConfigError, FetchError, RegistryError};
pub use helper::HelperError;
pub use platform::Platform;
pub use pull::{Fetched, Resolved, MANIFEST_LIMIT, MANIFEST_TYPES};
pub use push::BlobPush;
pub use reference::{Reference, ReferenceError};
pub use select::select as select_platform;

/// How a [`Client`] finds registries and credentials.
#[derive(Clone, Debug, Default)]
pub struct ClientConfig {
    /// Mirrors and transport per registry host.
    pub registry: RegistryConfig,
    /// Credentials per registry host.
    pub credentials: Credentials,
    /// Never contact an endpoint that is not a loopback address (tests: a mirror miss
    /// then fails instead of reaching the real registry).
    pub loopback_only: bool,
}

/// Talks to registries; shares tokens and credentials between threads.
pub struct Client {
    http: http::Http,
}

impl Client {
    pub fn new(config: ClientConfig) -> Client {
        Client {
            http: http::Http::new(config),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.http.config
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    hex_digest(&Sha256::digest(bytes))
}

fn hex_digest(hash: &[u8]) -> String {
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in hash {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn unreachable_registry_names_the_endpoints() {
        let registry =
            RegistryConfig::parse("[registry.\"docker.io\"]\nmirrors = [\"127.0.0.1:1\"]\n")
                .unwrap();
        let client = Client::new(ClientConfig {
            registry,
            loopback_only: true,
            ..ClientConfig::default()
        });
        let r = Reference::parse_normalized("alpine:3").unwrap();
        let e = client
            .resolve(&r, &Platform::linux_amd64())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("failed to resolve source metadata; tried "),
            "{e}"
        );
        assert!(
            e.contains(
                "127.0.0.1:1 (http): cannot reach http://127.0.0.1:1/v2/library/alpine/manifests/3"
            ),
            "{e}"
        );
        assert!(e.contains("registry-1.docker.io (https): not tried"), "{e}");
    }
}
