//! Pulling: a reference resolved to its manifest for a platform, and blobs fetched by
//! digest, each tried at the reference's endpoints in order (mirrors, then the host; a
//! miss or an unreachable endpoint moves on, bad content stops). Every manifest and blob
//! is checked against its sha256 digest; a blob file appears only once verified.
//!
//! The pinned digest is the top-level manifest's (an index's digest for a multi-platform
//! image, as BuildKit's `imageutil.Config` returns it); an index is narrowed to the
//! platform as containerd's `platforms.Only` orders candidates.

use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::config::{is_localhost, Endpoint};
use crate::error::{Attempt, FetchError, RegistryError};
use crate::http::{header, status_error, Payload, Scope};
use crate::platform::Platform;
use crate::reference::Reference;
use crate::{select, sha256_digest, Client};

/// Manifests larger than this are refused (the distribution spec suggests 4 MiB).
pub const MANIFEST_LIMIT: u64 = 8 << 20;

/// Media types a pull accepts for a manifest, in order of preference.
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

const INDEX_TYPES: [&str; 2] = [MANIFEST_TYPES[0], MANIFEST_TYPES[1]];
const SCHEMA1_TYPES: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];

/// A response body with the headers a pull needs.
#[derive(Debug)]
pub struct Fetched {
    pub url: String,
    pub body: Vec<u8>,
    pub content_type: String,
    pub digest: Option<String>,
}

/// A reference resolved for one platform.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The endpoint that served it (`host[/path] (transport)`).
    pub endpoint: String,
    /// The top-level manifest's digest: the one to pin.
    pub digest: String,
    /// The platform manifest's digest (equal to `digest` for a single-platform image).
    pub manifest_digest: String,
    /// The platform manifest's bytes.
    pub manifest: Vec<u8>,
    /// Its media type (the manifest's own `mediaType`, else the Content-Type).
    pub media_type: String,
    /// The image config's digest.
    pub config_digest: String,
}

/// Checks `body` against a `sha256:` digest; other algorithms are not verified.
fn verify(url: &str, digest: &str, body: &[u8]) -> Result<(), FetchError> {
    if !digest.starts_with("sha256:") {
        return Ok(());
    }
    let actual = sha256_digest(body);
    if actual == digest {
        Ok(())
    } else {
        Err(FetchError::DigestMismatch {
            url: url.to_string(),
            expected: digest.to_string(),
            actual,
        })
    }
}

fn bad(url: &str, reason: impl Into<String>) -> FetchError {
    FetchError::BadResponse {
        url: url.to_string(),
        reason: reason.into(),
    }
}

fn parse(f: &Fetched) -> Result<serde_json::Value, FetchError> {
    serde_json::from_slice(&f.body).map_err(|e| bad(&f.url, format!("invalid manifest JSON: {e}")))
}

/// The manifest's own `mediaType`, else the response's Content-Type.
fn media_type_of(f: &Fetched, v: &serde_json::Value) -> String {
    v.get("mediaType")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| f.content_type.clone())
}

impl Client {
    /// The endpoints to ask for images named under `domain`, in order.
    pub fn endpoints(&self, domain: &str) -> Vec<Endpoint> {
        self.http.config.registry.endpoints(domain)
    }

    /// Runs `f` at each endpoint of `r` until one succeeds or serves bad content.
    fn over_endpoints<T>(
        &self,
        r: &Reference,
        mut f: impl FnMut(&Endpoint) -> Result<T, FetchError>,
    ) -> Result<T, RegistryError> {
        let mut attempts = Vec::new();
        let mut unauthorized = false;
        for ep in self.endpoints(&r.domain) {
            if self.http.config.loopback_only && !is_localhost(&ep.host) {
                attempts.push(Attempt {
                    endpoint: ep.describe(),
                    error: None,
                });
                continue;
            }
            match f(&ep) {
                Ok(v) => return Ok(v),
                Err(e) if e.moves_on() => {
                    unauthorized |= matches!(e, FetchError::Unauthorized { .. });
                    attempts.push(Attempt {
                        endpoint: ep.describe(),
                        error: Some(e),
                    });
                }
                Err(source) => {
                    return Err(RegistryError::Content {
                        endpoint: ep.describe(),
                        source,
                    })
                }
            }
        }
        Err(RegistryError::Endpoints {
            unauthorized,
            attempts,
        })
    }

    /// `GET <endpoint>/<repo>/manifests/<reference>` with every manifest type accepted.
    pub fn manifest_at(
        &self,
        ep: &Endpoint,
        repo: &str,
        reference: &str,
    ) -> Result<Fetched, FetchError> {
        let accept = format!("{}, */*", MANIFEST_TYPES.join(", "));
        self.get(
            ep,
            repo,
            &format!("{repo}/manifests/{reference}"),
            &accept,
            MANIFEST_LIMIT,
        )
    }

    /// `GET <endpoint>/<repo>/blobs/<digest>` into memory, verified.
    pub fn blob_at(
        &self,
        ep: &Endpoint,
        repo: &str,
        digest: &str,
        limit: u64,
    ) -> Result<Vec<u8>, FetchError> {
        let f = self.get(ep, repo, &format!("{repo}/blobs/{digest}"), "*/*", limit)?;
        verify(&f.url, digest, &f.body)?;
        Ok(f.body)
    }

    fn get(
        &self,
        ep: &Endpoint,
        repo: &str,
        tail: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Fetched, FetchError> {
        let (url, mut resp) = self.http.send(
            ep,
            repo,
            Scope::Pull,
            "GET",
            tail,
            accept,
            None,
            Payload::Empty,
        )?;
        if !resp.status().is_success() {
            return Err(status_error(&url, &mut resp));
        }
        let content_type = header(&resp, "content-type")
            .map(|c| c.split(';').next().unwrap_or_default().trim().to_string())
            .unwrap_or_default();
        let digest = header(&resp, "docker-content-digest");
        let body = resp
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| FetchError::Transport {
                url: url.clone(),
                message: format!("reading the answer (limit {limit} bytes): {e}"),
            })?;
        Ok(Fetched {
            url,
            body,
            content_type,
            digest,
        })
    }

    /// Resolves `r` to its manifest for `platform`.
    pub fn resolve(&self, r: &Reference, platform: &Platform) -> Result<Resolved, RegistryError> {
        let target = r.lookup().to_string();
        self.over_endpoints(r, |ep| {
            self.resolve_at(ep, &r.path, &target, r.digest.is_some(), platform)
        })
    }

    fn resolve_at(
        &self,
        ep: &Endpoint,
        repo: &str,
        target: &str,
        by_digest: bool,
        platform: &Platform,
    ) -> Result<Resolved, FetchError> {
        let top = self.manifest_at(ep, repo, target)?;
        let digest = if by_digest {
            target.to_string()
        } else {
            top.digest
                .clone()
                .filter(|d| d.starts_with("sha256:"))
                .unwrap_or_else(|| sha256_digest(&top.body))
        };
        verify(&top.url, &digest, &top.body)?;
        let mut manifest = parse(&top)?;
        let mut media_type = media_type_of(&top, &manifest);
        let mut fetched = top;
        let mut manifest_digest = digest.clone();
        if SCHEMA1_TYPES.contains(&media_type.as_str()) {
            return Err(bad(
                &fetched.url,
                "support Docker Image manifest version 2, schema 1 has been removed",
            ));
        }
        if INDEX_TYPES.contains(&media_type.as_str()) || manifest.get("manifests").is_some() {
            let child = select::select(&manifest, platform).ok_or_else(|| {
                bad(
                    &fetched.url,
                    format!(
                        "no match for platform {} in manifest {digest}: not found",
                        platform.format()
                    ),
                )
            })?;
            let child_digest = child
                .get("digest")
                .and_then(|d| d.as_str())
                .ok_or_else(|| bad(&fetched.url, "index entry without digest"))?
                .to_string();
            let got = self.manifest_at(ep, repo, &child_digest)?;
            verify(&got.url, &child_digest, &got.body)?;
            manifest = parse(&got)?;
            media_type = media_type_of(&got, &manifest);
            if INDEX_TYPES.contains(&media_type.as_str()) || manifest.get("manifests").is_some() {
                return Err(bad(&got.url, format!("{child_digest}: nested index")));
            }
            fetched = got;
            manifest_digest = child_digest;
        }
        let config_digest = manifest
            .get("config")
            .and_then(|c| c.get("digest"))
            .and_then(|d| d.as_str())
            .ok_or_else(|| {
                bad(
                    &fetched.url,
                    format!("manifest ({media_type}) has no config"),
                )
            })?
            .to_string();
        Ok(Resolved {
            endpoint: ep.describe(),
            digest,
            manifest_digest,
            manifest: fetched.body,
            media_type,
            config_digest,
        })
    }

    /// A blob of `r` into memory (configs), verified, at most `limit` bytes.
    pub fn blob(&self, r: &Reference, digest: &str, limit: u64) -> Result<Vec<u8>, RegistryError> {
        self.over_endpoints(r, |ep| self.blob_at(ep, &r.path, digest, limit))
    }

    /// Downloads a blob of `r` to `dest`, verifying its digest; the file appears only
    /// when complete and verified.
    pub fn blob_to(&self, r: &Reference, digest: &str, dest: &Path) -> Result<(), RegistryError> {
        self.over_endpoints(r, |ep| {
            let tail = format!("{}/blobs/{digest}", r.path);
            let (url, mut resp) = self.http.send(
                ep,
                &r.path,
                Scope::Pull,
                "GET",
                &tail,
                "*/*",
                None,
                Payload::Empty,
            )?;
            if !resp.status().is_success() {
                return Err(status_error(&url, &mut resp));
            }
            let reader = resp.body_mut().with_config().limit(u64::MAX).reader();
            let (actual, tmp) = stream_to_temp(&url, reader, dest)?;
            if digest.starts_with("sha256:") && actual != digest {
                return Err(FetchError::DigestMismatch {
                    url,
                    expected: digest.to_string(),
                    actual,
                });
            }
            tmp.persist(dest).map_err(|e| FetchError::Io {
                path: dest.to_path_buf(),
                source: e.error,
            })?;
            Ok(())
        })
    }

    /// Downloads `url` (plain http only for loopback hosts) to `dest`; returns the
    /// content digest and the `Last-Modified` header.
    pub fn download(
        &self,
        url: &str,
        dest: &Path,
    ) -> Result<(String, Option<String>), RegistryError> {
        let host = url
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or("");
        if url.starts_with("http://") && !is_localhost(host) {
            return Err(RegistryError::bad(
                url,
                "plain http is only used for loopback hosts; use https://",
            ));
        }
        let mut resp = self.http.plain_get(url)?;
        if !resp.status().is_success() {
            return Err(status_error(url, &mut resp).into());
        }
        let modified = header(&resp, "last-modified");
        let reader = resp.body_mut().with_config().limit(u64::MAX).reader();
        let (digest, tmp) = stream_to_temp(url, reader, dest)?;
        tmp.persist(dest).map_err(|e| FetchError::Io {
            path: dest.to_path_buf(),
            source: e.error,
        })?;
        Ok((digest, modified))
    }
}

/// Copies `reader` into a temp file beside `dest`, hashing it.
fn stream_to_temp(
    url: &str,
    mut reader: impl Read,
    dest: &Path,
) -> Result<(String, tempfile::NamedTempFile), FetchError> {
    let io = |source| FetchError::Io {
        path: dest.to_path_buf(),
        source,
    };
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| FetchError::Transport {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(io)?;
    }
    Ok((crate::hex_digest(&h.finalize()), tmp))
}
