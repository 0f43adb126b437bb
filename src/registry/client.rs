//! The HTTP side of the distribution API: GETs of manifests and blobs against one
//! [`Endpoint`], answering `401` challenges (Bearer tokens, or Basic credentials) once,
//! caching the resulting `Authorization` per host and repository, and falling back from
//! unverified HTTPS to HTTP where the endpoint allows it.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::auth::{basic_header, parse_challenges, query_escape, Credential, Credentials};
use super::config::{Endpoint, Transport};
use super::error::{FetchError, RegistryError};

/// Manifests larger than this are refused (the distribution spec suggests 4 MiB).
const MANIFEST_LIMIT: u64 = 8 << 20;
/// Image configs larger than this are refused.
const BLOB_LIMIT: u64 = 64 << 20;

/// A successful response body with the headers the resolver needs.
#[derive(Debug)]
pub struct Fetched {
    pub body: Vec<u8>,
    pub content_type: String,
    pub digest: Option<String>,
}

pub struct Client {
    verified: ureq::Agent,
    unverified: ureq::Agent,
    credentials: Credentials,
    /// `Authorization` values by (host, repository).
    auth: Mutex<HashMap<(String, String), String>>,
}

impl Client {
    pub fn new(credentials: Credentials) -> Result<Client, RegistryError> {
        let builder = || {
            ureq::AgentBuilder::new()
                .timeout_connect(Duration::from_secs(15))
                .timeout(Duration::from_secs(120))
                .user_agent(concat!("dfc/", env!("CARGO_PKG_VERSION")))
        };
        Ok(Client {
            verified: builder().build(),
            unverified: builder().tls_config(unverified_tls()?).build(),
            credentials,
            auth: Mutex::new(HashMap::new()),
        })
    }

    /// `GET <endpoint>/<repo>/manifests/<reference>` with every manifest type accepted.
    pub fn manifest(
        &self,
        ep: &Endpoint,
        repo: &str,
        reference: &str,
    ) -> Result<Fetched, FetchError> {
        const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
            application/vnd.docker.distribution.manifest.list.v2+json, \
            application/vnd.oci.image.manifest.v1+json, \
            application/vnd.docker.distribution.manifest.v2+json, */*";
        self.get(
            ep,
            repo,
            &format!("manifests/{reference}"),
            ACCEPT,
            MANIFEST_LIMIT,
        )
    }

    /// `GET <endpoint>/<repo>/blobs/<digest>`.
    pub fn blob(&self, ep: &Endpoint, repo: &str, digest: &str) -> Result<Fetched, FetchError> {
        self.get(ep, repo, &format!("blobs/{digest}"), "*/*", BLOB_LIMIT)
    }

    fn get(
        &self,
        ep: &Endpoint,
        repo: &str,
        tail: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Fetched, FetchError> {
        let path = format!("{}/{repo}/{tail}", ep.path);
        match ep.transport {
            Transport::Http => self.get_url(
                ep,
                repo,
                &format!("http://{}{path}", ep.host),
                accept,
                limit,
            ),
            Transport::Https => self.get_url(
                ep,
                repo,
                &format!("https://{}{path}", ep.host),
                accept,
                limit,
            ),
            Transport::HttpsThenHttp => {
                match self.get_url(
                    ep,
                    repo,
                    &format!("https://{}{path}", ep.host),
                    accept,
                    limit,
                ) {
                    Err(FetchError::Other(_)) => self.get_url(
                        ep,
                        repo,
                        &format!("http://{}{path}", ep.host),
                        accept,
                        limit,
                    ),
                    other => other,
                }
            }
        }
    }

    fn agent(&self, ep: &Endpoint) -> &ureq::Agent {
        if ep.insecure {
            &self.unverified
        } else {
            &self.verified
        }
    }

    fn get_url(
        &self,
        ep: &Endpoint,
        repo: &str,
        url: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Fetched, FetchError> {
        let key = (ep.host.clone(), repo.to_string());
        let cached = self.auth.lock().ok().and_then(|m| m.get(&key).cloned());
        let first = self.send(ep, url, accept, cached.as_deref());
        let challenge = match first {
            Err(e) if matches!(*e, ureq::Error::Status(401, _)) => e
                .into_response()
                .and_then(|resp| resp.header("WWW-Authenticate").map(str::to_string))
                .unwrap_or_default(),
            other => return finish(url, other, limit),
        };
        let header = self.authorize(ep, repo, &challenge)?;
        let second = self.send(ep, url, accept, Some(&header));
        if second.is_ok() {
            if let Ok(mut m) = self.auth.lock() {
                m.insert(key, header);
            }
        }
        finish(url, second, limit)
    }

    fn send(
        &self,
        ep: &Endpoint,
        url: &str,
        accept: &str,
        authorization: Option<&str>,
    ) -> Result<ureq::Response, Box<ureq::Error>> {
        let mut req = self.agent(ep).get(url).set("Accept", accept);
        if let Some(a) = authorization {
            req = req.set("Authorization", a);
        }
        req.call().map_err(Box::new)
    }

    /// An `Authorization` value answering `challenge` for pulling `repo`.
    fn authorize(&self, ep: &Endpoint, repo: &str, challenge: &str) -> Result<String, FetchError> {
        let credential = self.credentials.lookup(&ep.host);
        let basic = match &credential {
            Credential::Basic { username, password } => Some(basic_header(username, password)),
            _ => None,
        };
        let note = match &credential {
            Credential::Helper(h) => format!(
                " (docker config names credential helper/store \"{h}\" for {}; helpers are not supported, only `auths` entries)",
                ep.host
            ),
            _ => String::new(),
        };
        let challenges = parse_challenges(challenge);
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let realm = bearer.params.get("realm").ok_or_else(|| {
                FetchError::Other(format!("{}: Bearer challenge without realm", ep.host))
            })?;
            let mut url = realm.clone();
            let mut sep = if url.contains('?') { '&' } else { '?' };
            if let Some(service) = bearer.params.get("service") {
                url.push_str(&format!("{sep}service={}", query_escape(service)));
                sep = '&';
            }
            let scope = format!("repository:{repo}:pull");
            url.push_str(&format!("{sep}scope={}", query_escape(&scope)));
            let mut req = self.agent(ep).get(&url);
            if let Some(b) = &basic {
                req = req.set("Authorization", b);
            }
            let resp = req.call().map_err(|e| match e {
                ureq::Error::Status(code @ (401 | 403), _) => FetchError::Unauthorized(format!(
                    "token endpoint {realm} answered {code}{note}"
                )),
                other => FetchError::Other(format!("token endpoint {realm}: {other}")),
            })?;
            let body = read_body(resp, MANIFEST_LIMIT).map_err(FetchError::Other)?;
            let v: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| FetchError::Other(format!("token endpoint {realm}: {e}")))?;
            let token = v
                .get("token")
                .or_else(|| v.get("access_token"))
                .and_then(|t| t.as_str())
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    FetchError::Other(format!("token endpoint {realm}: no token in answer"))
                })?;
            return Ok(format!("Bearer {token}"));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            return basic.ok_or_else(|| {
                FetchError::Unauthorized(format!("{} requires credentials{note}", ep.host))
            });
        }
        Err(FetchError::Unauthorized(format!(
            "{} answered 401 with an unsupported challenge {challenge:?}{note}",
            ep.host
        )))
    }
}

fn finish(
    url: &str,
    r: Result<ureq::Response, Box<ureq::Error>>,
    limit: u64,
) -> Result<Fetched, FetchError> {
    match r.map_err(|e| *e) {
        Ok(resp) => {
            let content_type = resp.content_type().to_string();
            let digest = resp.header("Docker-Content-Digest").map(str::to_string);
            let body = read_body(resp, limit).map_err(FetchError::Other)?;
            Ok(Fetched {
                body,
                content_type,
                digest,
            })
        }
        Err(ureq::Error::Status(404, _)) => Err(FetchError::NotFound(url.to_string())),
        Err(ureq::Error::Status(code @ (401 | 403), _)) => {
            Err(FetchError::Unauthorized(format!("{url} answered {code}")))
        }
        Err(ureq::Error::Status(code, resp)) => Err(FetchError::Other(format!(
            "{url} answered {code} {}",
            resp.status_text()
        ))),
        Err(ureq::Error::Transport(t)) => Err(FetchError::Other(t.to_string())),
    }
}

fn read_body(resp: ureq::Response, limit: u64) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    resp.into_reader()
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the answer: {e}"))?;
    if body.len() as u64 > limit {
        return Err(format!("answer larger than {limit} bytes"));
    }
    Ok(body)
}

/// A rustls config that accepts any server certificate (`insecure = true`), still
/// checking handshake signatures.
fn unverified_tls() -> Result<Arc<rustls::ClientConfig>, RegistryError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| RegistryError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
