//! Image resolution over the OCI distribution API: [`RegistryResolver`] is the
//! [`ImageResolver`] `dfc compile` uses when no `--oci-layout` is given.
//!
//! For a normalized reference (`docker.io/library/alpine:3`) it asks each endpoint of
//! the reference's registry host in turn (mirrors from `--registry-config` first, then
//! the host; see [`config`]) for the manifest by tag or digest. A manifest list or OCI
//! index is narrowed to the target platform as containerd's `platforms.Only` orders
//! candidates; the pinned digest is the top-level manifest's, as BuildKit's
//! `imageutil.Config` returns it. Every body is checked against its digest.

pub mod auth;
mod client;
pub mod config;
mod error;
mod platform;

use sha2::{Digest, Sha256};

use crate::lower::{ImageResolver, Platform, Reference, ResolveError, ResolvedImage};

pub use auth::Credentials;
pub use config::{Endpoint, HostConfig, RegistryConfig, Transport};
pub use error::{FetchError, RegistryError};

use client::{Client, Fetched};

const INDEX_TYPES: [&str; 2] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const SCHEMA1_TYPES: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];

/// Resolves images against registries.
pub struct RegistryResolver {
    config: RegistryConfig,
    client: Client,
    loopback_only: bool,
}

impl RegistryResolver {
    pub fn new(config: RegistryConfig, credentials: Credentials) -> Result<Self, RegistryError> {
        Ok(RegistryResolver {
            config,
            client: Client::new(credentials)?,
            loopback_only: false,
        })
    }

    /// Never contacts an endpoint that is not a loopback address (for tests: a mirror
    /// miss then fails instead of reaching the real registry).
    pub fn loopback_only(mut self) -> Self {
        self.loopback_only = true;
        self
    }

    fn resolve_inner(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, String> {
        let r = Reference::parse_normalized(reference).map_err(|e| e.to_string())?;
        let target = r
            .digest
            .clone()
            .or_else(|| r.tag.clone())
            .unwrap_or_else(|| "latest".into());
        let mut tried = Vec::new();
        let mut unauthorized = None;
        for ep in self.config.endpoints(&r.domain) {
            if self.loopback_only && !config::is_localhost(&ep.host) {
                tried.push(format!("{}: not tried (loopback only)", ep.describe()));
                continue;
            }
            match self.at_endpoint(&ep, &r.path, &target, r.digest.is_some(), platform) {
                Ok(img) => return Ok(img),
                Err(Step::Fetch(e)) => {
                    if let FetchError::Unauthorized(_) = e {
                        unauthorized.get_or_insert_with(|| e.to_string());
                    }
                    tried.push(format!("{}: {e}", ep.describe()));
                }
                Err(Step::Content(msg)) => return Err(format!("{}: {msg}", ep.describe())),
            }
        }
        let what = if unauthorized.is_some() {
            "pull access denied or authorization failed"
        } else {
            "failed to resolve source metadata"
        };
        Err(format!("{what}; tried {}", tried.join("; ")))
    }

    fn at_endpoint(
        &self,
        ep: &Endpoint,
        repo: &str,
        target: &str,
        by_digest: bool,
        platform: &Platform,
    ) -> Result<ResolvedImage, Step> {
        let top = self
            .client
            .manifest(ep, repo, target)
            .map_err(Step::Fetch)?;
        let digest = if by_digest {
            target.to_string()
        } else {
            top.digest
                .clone()
                .filter(|d| d.starts_with("sha256:"))
                .unwrap_or_else(|| sha256_digest(&top.body))
        };
        verify(&digest, &top.body).map_err(Step::Content)?;
        let mut manifest = parse(&top)?;
        let mut media_type = media_type_of(&top, &manifest);
        if SCHEMA1_TYPES.contains(&media_type.as_str()) {
            return Err(Step::Content(
                "support Docker Image manifest version 2, schema 1 has been removed".into(),
            ));
        }
        if INDEX_TYPES.contains(&media_type.as_str()) || manifest.get("manifests").is_some() {
            let child = platform::select(&manifest, platform).ok_or_else(|| {
                Step::Content(format!(
                    "no match for platform {} in manifest {digest}: not found",
                    platform.format()
                ))
            })?;
            let child_digest = child
                .get("digest")
                .and_then(|d| d.as_str())
                .ok_or_else(|| Step::Content("index entry without digest".into()))?
                .to_string();
            let got = self
                .client
                .manifest(ep, repo, &child_digest)
                .map_err(Step::Fetch)?;
            verify(&child_digest, &got.body).map_err(Step::Content)?;
            manifest = parse(&got)?;
            media_type = media_type_of(&got, &manifest);
            if INDEX_TYPES.contains(&media_type.as_str()) {
                return Err(Step::Content(format!("{child_digest}: nested index")));
            }
        }
        let config_digest = manifest
            .get("config")
            .and_then(|c| c.get("digest"))
            .and_then(|d| d.as_str())
            .ok_or_else(|| Step::Content(format!("manifest ({media_type}) has no config")))?
            .to_string();
        let config = self
            .client
            .blob(ep, repo, &config_digest)
            .map_err(Step::Fetch)?;
        verify(&config_digest, &config.body).map_err(Step::Content)?;
        Ok(ResolvedImage {
            digest,
            config: config.body,
        })
    }
}

/// An endpoint failure (try the next one) or bad content (stop: the image is broken).
enum Step {
    Fetch(FetchError),
    Content(String),
}

fn parse(f: &Fetched) -> Result<serde_json::Value, Step> {
    serde_json::from_slice(&f.body)
        .map_err(|e| Step::Content(format!("invalid manifest JSON: {e}")))
}

/// The manifest's own `mediaType`, else the response's Content-Type.
fn media_type_of(f: &Fetched, v: &serde_json::Value) -> String {
    v.get("mediaType")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| f.content_type.clone())
}

fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in hash {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Checks `body` against a `sha256:` digest; other algorithms are not verified.
fn verify(digest: &str, body: &[u8]) -> Result<(), String> {
    if !digest.starts_with("sha256:") {
        return Ok(());
    }
    let got = sha256_digest(body);
    if got == digest {
        Ok(())
    } else {
        Err(format!(
            "content does not match digest {digest} (got {got})"
        ))
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
    fn digests() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(verify(&sha256_digest(b"x"), b"x").is_ok());
        assert!(verify(&sha256_digest(b"x"), b"y").is_err());
    }

    #[test]
    fn unreachable_registry_names_the_endpoints() {
        let cfg = RegistryConfig::parse("[registry.\"docker.io\"]\nmirrors = [\"127.0.0.1:1\"]\n")
            .unwrap();
        let r = RegistryResolver::new(cfg, Credentials::default())
            .unwrap()
            .loopback_only();
        let e = r
            .resolve("docker.io/library/alpine:3", &Platform::linux_amd64())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("docker.io/library/alpine:3: "), "{e}");
        assert!(e.contains("127.0.0.1:1 (http)"), "{e}");
        assert!(e.contains("registry-1.docker.io (https): not tried"), "{e}");
    }
}
