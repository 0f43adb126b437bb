//! Image resolution over the OCI distribution API: [`RegistryResolver`] is the
//! [`ImageResolver`] `dfc compile` uses when no `--oci-layout` is given. The client
//! itself (references, endpoints and mirrors, credentials, platform choice, digest
//! checks) is the `dfc-registry` crate, shared with the runner; its items are re-exported
//! here so `dfc::registry::…` paths keep working.
//!
//! For a normalized reference it pins the top-level manifest's digest (an index's digest
//! for a multi-platform image, as BuildKit's `imageutil.Config` returns it) and returns
//! the platform's image config.

use crate::lower::{ImageResolver, Platform, Reference, ResolveError, ResolvedImage};

pub use dfc_registry::{
    auth, config, Client, ClientConfig, ConfigError, Credential, Credentials, Endpoint, FetchError,
    HostConfig, RegistryConfig, RegistryError, Transport,
};

/// Image configs larger than this are refused.
const CONFIG_LIMIT: u64 = 64 << 20;

/// Resolves images against registries.
pub struct RegistryResolver {
    client: Client,
}

impl RegistryResolver {
    pub fn new(registry: RegistryConfig, credentials: Credentials) -> RegistryResolver {
        RegistryResolver {
            client: Client::new(ClientConfig {
                registry,
                credentials,
                loopback_only: false,
            }),
        }
    }

    /// Never contacts an endpoint that is not a loopback address (for tests: a mirror
    /// miss then fails instead of reaching the real registry).
    pub fn loopback_only(self) -> Self {
        let mut config = self.client.config().clone();
        config.loopback_only = true;
        RegistryResolver {
            client: Client::new(config),
        }
    }

    fn resolve_inner(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, String> {
        let r = Reference::parse_normalized(reference).map_err(|e| e.to_string())?;
        let resolved = self
            .client
            .resolve(&r, platform)
            .map_err(|e| e.to_string())?;
        let config = self
            .client
            .blob(&r, &resolved.config_digest, CONFIG_LIMIT)
            .map_err(|e| e.to_string())?;
        Ok(ResolvedImage {
            digest: resolved.digest,
            config,
        })
    }
}

impl ImageResolver for RegistryResolver {
    fn resolve(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, ResolveError> {
        self.resolve_inner(reference, platform)
            .map_err(|message| ResolveError::Failed {
                reference: reference.to_string(),
                message,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_registry_names_the_endpoints() {
        let cfg = RegistryConfig::parse("[registry.\"docker.io\"]\nmirrors = [\"127.0.0.1:1\"]\n")
            .unwrap();
        let r = RegistryResolver::new(cfg, Credentials::default()).loopback_only();
        let e = r
            .resolve("docker.io/library/alpine:3", &Platform::linux_amd64())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("docker.io/library/alpine:3: "), "{e}");
        assert!(e.contains("127.0.0.1:1 (http)"), "{e}");
        assert!(e.contains("registry-1.docker.io (https): not tried"), "{e}");
    }
}
