//! A client of the OCI distribution API: manifests and blobs by pull, blob
//! and manifest upload by push, with bearer-token and basic auth as
//! registries ask for them (`WWW-Authenticate`), mirrors tried first for
//! Docker Hub, and plain HTTP for loopback registries only.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use llb_schema::Digest;
use sha2::{Digest as _, Sha256};
use ureq::http::{Response, StatusCode};
use ureq::Body;

use super::reference::Reference;
use super::RegistryError;

/// Media types a pull accepts for a manifest.
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// Client settings.
#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    /// Registry host → (user, password), as in a Docker `config.json`.
    pub credentials: BTreeMap<String, (String, String)>,
    /// Hosts tried, in order, before Docker Hub for `docker.io` images.
    pub mirrors: Vec<String>,
}

impl ClientConfig {
    /// Reads credentials from a Docker `config.json` (`auths` entries with
    /// `auth` = base64 `user:password`, or `username` and `password`).
    /// Hosts given as URLs (`https://index.docker.io/v1/`) are reduced to
    /// their host name, with Docker Hub's legacy name mapped to `docker.io`.
    pub fn from_docker_config(bytes: &[u8]) -> Result<ClientConfig, String> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let mut cfg = ClientConfig::default();
        let Some(auths) = v.get("auths").and_then(|a| a.as_object()) else {
            return Ok(cfg);
        };
        for (host, entry) in auths {
            let h = host
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            let h = h.split('/').next().unwrap_or(h);
            let h = if h == "index.docker.io" {
                "docker.io"
            } else {
                h
            };
            let pair = if let Some(a) = entry
                .get("auth")
                .and_then(|a| a.as_str())
                .filter(|a| !a.is_empty())
            {
                let raw =
                    base64_decode(a).ok_or_else(|| format!("auths.{host}.auth is not base64"))?;
                let text = String::from_utf8(raw)
                    .map_err(|_| format!("auths.{host}.auth is not UTF-8"))?;
                let (u, p) = text
                    .split_once(':')
                    .ok_or_else(|| format!("auths.{host}.auth is not user:password"))?;
                (u.to_string(), p.to_string())
            } else {
                let get = |k: &str| {
                    entry
                        .get(k)
                        .and_then(|x| x.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                (get("username"), get("password"))
            };
            if !pair.0.is_empty() {
                cfg.credentials.insert(h.to_string(), pair);
            }
        }
        Ok(cfg)
    }
}

/// Talks to registries; shares tokens between threads.
pub struct Client {
    agent: ureq::Agent,
    cfg: ClientConfig,
    tokens: Mutex<BTreeMap<String, String>>,
}

fn is_loopback(host: &str) -> bool {
    let h = host
        .rsplit_once(':')
        .map(|(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
        .unwrap_or(host);
    h == "localhost" || h.starts_with("127.") || h == "[::1]"
}

fn base_url(host: &str) -> String {
    format!(
        "{}://{host}",
        if is_loopback(host) { "http" } else { "https" }
    )
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~:/,".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Standard base64 (for basic auth and Docker config files).
pub fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64; `None` on bad input.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        acc = (acc << 6) | u32::from(val(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The parameters of a `WWW-Authenticate` challenge.
fn challenge(h: &str) -> (String, BTreeMap<String, String>) {
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = BTreeMap::new();
    let mut rest = rest.trim();
    while let Some((k, v)) = rest.split_once('=') {
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let v = v.trim_start();
        let (val, tail) = if let Some(q) = v.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (q[..end].to_string(), q.get(end + 1..).unwrap_or(""))
        } else {
            let end = v.find(',').unwrap_or(v.len());
            (v[..end].to_string(), &v[end..])
        };
        params.insert(k, val);
        rest = tail.trim_start_matches(',').trim();
    }
    (scheme.to_ascii_lowercase(), params)
}

impl Client {
    /// A client with these settings.
    pub fn new(cfg: ClientConfig) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            cfg,
            tokens: Mutex::new(BTreeMap::new()),
        }
    }

    /// Hosts to try for `r`: mirrors first for Docker Hub.
    fn hosts(&self, r: &Reference) -> Vec<String> {
        let mut h = Vec::new();
        if r.domain == "docker.io" {
            h.extend(self.cfg.mirrors.iter().cloned());
        }
        h.push(r.api_host().to_string());
        h
    }

    fn basic(&self, host: &str) -> Option<String> {
        let (u, p) = self.cfg.credentials.get(host).or_else(|| {
            if host == "registry-1.docker.io" {
                self.cfg.credentials.get("docker.io")
            } else {
                None
            }
        })?;
        Some(format!(
            "Basic {}",
            base64_encode(format!("{u}:{p}").as_bytes())
        ))
    }

    /// Sends a request, answering one auth challenge if the registry asks.
    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        method: &str,
        host: &str,
        url: &str,
        repo: &str,
        push: bool,
        accept: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<Response<Body>, RegistryError> {
        let key = format!("{host}/{repo}/{push}");
        let mut auth = self.tokens.lock().ok().and_then(|t| t.get(&key).cloned());
        for attempt in 0..2 {
            let mut req = ureq::http::Request::builder()
                .method(method)
                .uri(url)
                .header("Accept", accept);
            if let Some(a) = &auth {
                req = req.header("Authorization", a.as_str());
            }
            if let Some((ct, _)) = body {
                req = req.header("Content-Type", ct);
            }
            let req = req
                .body(body.map(|b| b.1.to_vec()).unwrap_or_default())
                .map_err(|e| RegistryError::Http {
                    url: url.into(),
                    status: 0,
                    message: e.to_string(),
                })?;
            let resp = self.agent.run(req).map_err(|e| RegistryError::Transport {
                url: url.into(),
                message: e.to_string(),
            })?;
            if resp.status() != StatusCode::UNAUTHORIZED || attempt == 1 {
                return Ok(resp);
            }
            let h = resp
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let (scheme, params) = challenge(&h);
            auth = match scheme.as_str() {
                "bearer" => Some(self.token(&params, repo, push, host)?),
                "basic" => Some(self.basic(host).ok_or_else(|| RegistryError::Http {
                    url: url.into(),
                    status: 401,
                    message: format!("{host} wants credentials; add them to --registry-config"),
                })?),
                _ => return Ok(resp),
            };
            if let (Ok(mut t), Some(a)) = (self.tokens.lock(), &auth) {
                t.insert(key.clone(), a.clone());
            }
        }
        Err(RegistryError::Http {
            url: url.into(),
            status: 401,
            message: "unauthorized".into(),
        })
    }

    fn token(
        &self,
        params: &BTreeMap<String, String>,
        repo: &str,
        push: bool,
        host: &str,
    ) -> Result<String, RegistryError> {
        let realm = params.get("realm").ok_or_else(|| RegistryError::Http {
            url: host.into(),
            status: 401,
            message: "bearer challenge without realm".into(),
        })?;
        let scope = format!(
            "repository:{repo}:{}",
            if push { "pull,push" } else { "pull" }
        );
        let mut url = format!("{realm}?scope={}", pct(&scope));
        if let Some(s) = params.get("service") {
            url.push_str(&format!("&service={}", pct(s)));
        }
        let mut req = self.agent.get(&url);
        if let Some(b) = self.basic(host) {
            req = req.header("Authorization", &b);
        }
        let mut resp = req.call().map_err(|e| RegistryError::Transport {
            url: url.clone(),
            message: e.to_string(),
        })?;
        if !resp.status().is_success() {
            return Err(RegistryError::Http {
                url,
                status: resp.status().as_u16(),
                message: "token request refused".into(),
            });
        }
        let v: serde_json::Value =
            serde_json::from_slice(&resp.body_mut().read_to_vec().map_err(|e| {
                RegistryError::Transport {
                    url: url.clone(),
                    message: e.to_string(),
                }
            })?)
            .map_err(|_| RegistryError::BadResponse {
                url: url.clone(),
                reason: "token response is not JSON".into(),
            })?;
        let t = v
            .get("token")
            .or_else(|| v.get("access_token"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| RegistryError::BadResponse {
                url,
                reason: "token response has no token".into(),
            })?;
        Ok(format!("Bearer {t}"))
    }

    fn check(resp: &mut Response<Body>, url: &str) -> Result<(), RegistryError> {
        if resp.status().is_success() {
            return Ok(());
        }
        let mut msg = resp
            .body_mut()
            .with_config()
            .limit(4096)
            .read_to_string()
            .unwrap_or_default();
        msg.truncate(300);
        Err(RegistryError::Http {
            url: url.into(),
            status: resp.status().as_u16(),
            message: msg.trim().to_string(),
        })
    }

    /// Fetches a manifest (or index) by tag or digest: bytes, media type, digest.
    pub fn manifest(
        &self,
        r: &Reference,
        reference: &str,
    ) -> Result<(Vec<u8>, String, Digest), RegistryError> {
        let mut last = None;
        for host in self.hosts(r) {
            let url = format!(
                "{}/v2/{}/manifests/{reference}",
                base_url(&host),
                r.repository
            );
            let attempt = (|| {
                let mut resp = self.send(
                    "GET",
                    &host,
                    &url,
                    &r.repository,
                    false,
                    &MANIFEST_TYPES.join(", "),
                    None,
                )?;
                Self::check(&mut resp, &url)?;
                let mt = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let bytes = resp
                    .body_mut()
                    .with_config()
                    .limit(8 << 20)
                    .read_to_vec()
                    .map_err(|e| RegistryError::Transport {
                        url: url.clone(),
                        message: e.to_string(),
                    })?;
                let d = llb_schema::digest(&bytes);
                if reference.starts_with("sha256:") && d.to_string() != reference {
                    return Err(RegistryError::DigestMismatch {
                        url: url.clone(),
                        expected: reference.into(),
                        actual: d.to_string(),
                    });
                }
                Ok((bytes, mt, d))
            })();
            match attempt {
                Ok(x) => return Ok(x),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(RegistryError::BadResponse {
            url: r.to_string(),
            reason: "no host to ask".into(),
        }))
    }

    /// Downloads a blob to `dest`, verifying its digest (the file appears
    /// only when complete and verified).
    pub fn blob_to(&self, r: &Reference, digest: &str, dest: &Path) -> Result<(), RegistryError> {
        let mut last = None;
        for host in self.hosts(r) {
            let url = format!("{}/v2/{}/blobs/{digest}", base_url(&host), r.repository);
            let attempt = (|| {
                let mut resp = self.send("GET", &host, &url, &r.repository, false, "*/*", None)?;
                Self::check(&mut resp, &url)?;
                let io = |e: io::Error| RegistryError::Io {
                    path: dest.to_path_buf(),
                    message: e.to_string(),
                };
                let dir = dest.parent().unwrap_or(Path::new("."));
                let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
                let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
                let mut h = Sha256::new();
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = reader
                        .read(&mut buf)
                        .map_err(|e| RegistryError::Transport {
                            url: url.clone(),
                            message: e.to_string(),
                        })?;
                    if n == 0 {
                        break;
                    }
                    h.update(&buf[..n]);
                    tmp.write_all(&buf[..n]).map_err(io)?;
                }
                let got = Digest::from_bytes(h.finalize().into()).to_string();
                if got != digest {
                    return Err(RegistryError::DigestMismatch {
                        url: url.clone(),
                        expected: digest.into(),
                        actual: got,
                    });
                }
                tmp.persist(dest).map_err(|e| io(e.error))?;
                Ok(())
            })();
            match attempt {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(RegistryError::BadResponse {
            url: r.to_string(),
            reason: "no host to ask".into(),
        }))
    }

    /// Downloads `url` (http only for loopback hosts, as for registries) to
    /// `dest`; returns the content digest and the `Last-Modified` header.
    pub fn download(
        &self,
        url: &str,
        dest: &Path,
    ) -> Result<(Digest, Option<String>), RegistryError> {
        let host = url
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or("");
        if url.starts_with("http://") && !is_loopback(host) {
            return Err(RegistryError::BadResponse {
                url: url.into(),
                reason: "plain http is only used for loopback hosts; use https://".into(),
            });
        }
        let mut resp = self
            .agent
            .get(url)
            .call()
            .map_err(|e| RegistryError::Transport {
                url: url.into(),
                message: e.to_string(),
            })?;
        Self::check(&mut resp, url)?;
        let modified = resp
            .headers()
            .get("last-modified")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let io = |e: io::Error| RegistryError::Io {
            path: dest.to_path_buf(),
            message: e.to_string(),
        };
        let mut f = fs::File::create(dest).map_err(io)?;
        let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| RegistryError::Transport {
                    url: url.into(),
                    message: e.to_string(),
                })?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            f.write_all(&buf[..n]).map_err(io)?;
        }
        Ok((Digest::from_bytes(h.finalize().into()), modified))
    }

    /// Uploads a blob (monolithic upload) unless the registry has it.
    pub fn push_blob(&self, r: &Reference, digest: &str, path: &Path) -> Result<(), RegistryError> {
        let host = r.api_host().to_string();
        let head = format!("{}/v2/{}/blobs/{digest}", base_url(&host), r.repository);
        if self
            .send("HEAD", &host, &head, &r.repository, true, "*/*", None)?
            .status()
            .is_success()
        {
            return Ok(());
        }
        let start = format!("{}/v2/{}/blobs/uploads/", base_url(&host), r.repository);
        let mut resp = self.send(
            "POST",
            &host,
            &start,
            &r.repository,
            true,
            "*/*",
            Some(("application/octet-stream", &[])),
        )?;
        Self::check(&mut resp, &start)?;
        let loc = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RegistryError::BadResponse {
                url: start.clone(),
                reason: "upload has no Location".into(),
            })?;
        let loc = if loc.starts_with('/') {
            format!("{}{loc}", base_url(&host))
        } else {
            loc.to_string()
        };
        let url = format!(
            "{loc}{}digest={}",
            if loc.contains('?') { "&" } else { "?" },
            pct(digest)
        );
        let data = fs::read(path).map_err(|e| RegistryError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut resp = self.send(
            "PUT",
            &host,
            &url,
            &r.repository,
            true,
            "*/*",
            Some(("application/octet-stream", &data)),
        )?;
        Self::check(&mut resp, &url)
    }

    /// Uploads a manifest under `reference` (tag or digest).
    pub fn push_manifest(
        &self,
        r: &Reference,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<(), RegistryError> {
        let host = r.api_host().to_string();
        let url = format!(
            "{}/v2/{}/manifests/{reference}",
            base_url(&host),
            r.repository
        );
        let mut resp = self.send(
            "PUT",
            &host,
            &url,
            &r.repository,
            true,
            "*/*",
            Some((media_type, bytes)),
        )?;
        Self::check(&mut resp, &url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_challenges() {
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64_decode("dXNlcjpwYXNz").unwrap(), b"user:pass");
        let (s, p) = challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull""#,
        );
        assert_eq!(s, "bearer");
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "registry.example");
        assert!(
            is_loopback("127.0.0.1:5000") && is_loopback("localhost") && !is_loopback("docker.io")
        );
    }
}
