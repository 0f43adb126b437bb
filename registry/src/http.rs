//! The HTTP side of the distribution API against one [`Endpoint`]: a request is sent
//! with the cached `Authorization` for (host, repository, scope); a `401` challenge is
//! answered once (a Bearer token from the challenge's realm, or Basic credentials from
//! the docker config or a credential helper) and the answer cached. HTTPS without
//! verification falls back to HTTP where the endpoint allows it. A refusal carries what
//! the registry (its `errors` body) or the token endpoint (`details`, `error`) said.
//!
//! What it does not do: choose endpoints or interpret manifests (see `pull.rs`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use ureq::http::Response;
use ureq::tls::TlsConfig;
use ureq::Body;

use crate::auth::{basic_header, helper_server, parse_challenges, query_escape, Credential};
use crate::config::{Endpoint, Transport};
use crate::error::FetchError;
use crate::ClientConfig;

/// Token answers larger than this are refused.
const TOKEN_LIMIT: u64 = 1 << 20;

/// What a request asks the registry for, which decides the token scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope<'a> {
    Pull,
    Push,
    /// Push, mounting a blob from this other repository: the registry checks pull
    /// access on it too, so the token must name both (as containerd asks).
    PushMountFrom(&'a str),
}

impl Scope<'_> {
    /// The token scopes a request on `repo` needs, each sent as one `scope=` parameter.
    pub fn token_scopes(&self, repo: &str) -> Vec<String> {
        let push = format!("repository:{repo}:pull,push");
        match self {
            Scope::Pull => vec![format!("repository:{repo}:pull")],
            Scope::Push => vec![push],
            Scope::PushMountFrom(from) => vec![push, format!("repository:{from}:pull")],
        }
    }
}

/// A request body.
#[derive(Clone, Copy)]
pub enum Payload<'a> {
    Empty,
    Bytes(&'a [u8]),
    /// A file, reopened for each attempt.
    File(&'a Path),
}

/// The transport half of [`crate::Client`].
pub struct Http {
    verified: ureq::Agent,
    unverified: ureq::Agent,
    pub(crate) config: ClientConfig,
    /// `Authorization` values by (host, token scopes joined by spaces).
    auth: Mutex<HashMap<(String, String), String>>,
    /// Basic credentials found per host (helpers run once per host).
    basic: Mutex<HashMap<String, Option<(String, String)>>>,
}

impl Http {
    pub fn new(config: ClientConfig) -> Http {
        let agent = |verify: bool| {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_connect(Some(Duration::from_secs(15)))
                // A registry that accepts a request but never answers; bodies (layers)
                // may take as long as they take.
                .timeout_recv_response(Some(Duration::from_secs(120)))
                .user_agent(concat!("dfc/", env!("CARGO_PKG_VERSION")))
                .tls_config(TlsConfig::builder().disable_verification(!verify).build())
                .build()
                .new_agent()
        };
        Http {
            verified: agent(true),
            unverified: agent(false),
            config,
            auth: Mutex::new(HashMap::new()),
            basic: Mutex::new(HashMap::new()),
        }
    }

    fn agent(&self, ep: &Endpoint) -> &ureq::Agent {
        if ep.insecure {
            &self.unverified
        } else {
            &self.verified
        }
    }

    /// The URL roots to try for `ep`, in order.
    pub fn bases(ep: &Endpoint) -> Vec<String> {
        let http = format!("http://{}{}", ep.host, ep.path);
        let https = format!("https://{}{}", ep.host, ep.path);
        match ep.transport {
            Transport::Http => vec![http],
            Transport::Https => vec![https],
            Transport::HttpsThenHttp => vec![https, http],
        }
    }

    /// Sends `method <root><tail>` to `ep` on behalf of `repo`, answering one auth
    /// challenge. Any status is returned; only transport failures are errors.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &self,
        ep: &Endpoint,
        repo: &str,
        scope: Scope<'_>,
        method: &str,
        tail: &str,
        accept: &str,
        content_type: Option<&str>,
        payload: Payload<'_>,
    ) -> Result<(String, Response<Body>), FetchError> {
        let bases = Http::bases(ep);
        let mut last = None;
        for base in &bases {
            let url = format!("{base}/{tail}");
            match self.send_url(ep, repo, scope, method, &url, accept, content_type, payload) {
                Ok(resp) => return Ok((url, resp)),
                Err(e @ FetchError::Transport { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| FetchError::Transport {
            url: ep.describe(),
            message: "no transport".into(),
        }))
    }

    /// Sends to an absolute URL of `ep` (an upload `Location`), answering one challenge.
    #[allow(clippy::too_many_arguments)]
    pub fn send_url(
        &self,
        ep: &Endpoint,
        repo: &str,
        scope: Scope<'_>,
        method: &str,
        url: &str,
        accept: &str,
        content_type: Option<&str>,
        payload: Payload<'_>,
    ) -> Result<Response<Body>, FetchError> {
        let key = (ep.host.clone(), scope.token_scopes(repo).join(" "));
        let cached = self.auth.lock().ok().and_then(|m| m.get(&key).cloned());
        let first = self.once(
            ep,
            method,
            url,
            accept,
            content_type,
            payload,
            cached.as_deref(),
        )?;
        if first.status().as_u16() != 401 {
            return Ok(first);
        }
        let challenge = first
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let header = self.authorize(ep, repo, scope, url, &challenge)?;
        let second = self.once(
            ep,
            method,
            url,
            accept,
            content_type,
            payload,
            Some(&header),
        )?;
        if second.status().as_u16() != 401 {
            if let Ok(mut m) = self.auth.lock() {
                m.insert(key, header);
            }
        }
        Ok(second)
    }

    #[allow(clippy::too_many_arguments)]
    fn once(
        &self,
        ep: &Endpoint,
        method: &str,
        url: &str,
        accept: &str,
        content_type: Option<&str>,
        payload: Payload<'_>,
        authorization: Option<&str>,
    ) -> Result<Response<Body>, FetchError> {
        let transport = |e: ureq::Error| FetchError::Transport {
            url: url.to_string(),
            message: e.to_string(),
        };
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Accept", accept);
        if let Some(a) = authorization {
            req = req.header("Authorization", a);
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        let agent = self.agent(ep);
        let bad = |e: ureq::http::Error| FetchError::BadResponse {
            url: url.to_string(),
            reason: e.to_string(),
        };
        match payload {
            Payload::Empty => agent.run(req.body(()).map_err(bad)?).map_err(transport),
            Payload::Bytes(b) => agent.run(req.body(b).map_err(bad)?).map_err(transport),
            Payload::File(p) => {
                let f = std::fs::File::open(p).map_err(|source| FetchError::Io {
                    path: p.to_path_buf(),
                    source,
                })?;
                agent.run(req.body(f).map_err(bad)?).map_err(transport)
            }
        }
    }

    /// A GET with no registry auth (http sources), verified TLS.
    pub fn plain_get(&self, url: &str) -> Result<Response<Body>, FetchError> {
        self.verified
            .get(url)
            .call()
            .map_err(|e| FetchError::Transport {
                url: url.to_string(),
                message: e.to_string(),
            })
    }

    /// Basic credentials for `host`: the docker config's entry or its helper's answer.
    fn basic_for(&self, host: &str) -> Result<Option<(String, String)>, FetchError> {
        if let Some(hit) = self.basic.lock().ok().and_then(|m| m.get(host).cloned()) {
            return Ok(hit);
        }
        let found = match self.config.credentials.lookup(host) {
            Credential::Basic { username, password } => Some((username, password)),
            Credential::Helper(name) => crate::helper::get(&name, &helper_server(host))?,
            Credential::Unusable(_) | Credential::None => None,
        };
        if let Ok(mut m) = self.basic.lock() {
            m.insert(host.to_string(), found.clone());
        }
        Ok(found)
    }

    /// An `Authorization` value answering `challenge` for `repo` with `scope`.
    fn authorize(
        &self,
        ep: &Endpoint,
        repo: &str,
        scope: Scope<'_>,
        url: &str,
        challenge: &str,
    ) -> Result<String, FetchError> {
        let basic = self.basic_for(&ep.host)?.map(|(u, p)| basic_header(&u, &p));
        let note = match self.config.credentials.lookup(&ep.host) {
            Credential::Unusable(reason) => {
                format!(" (docker config entry for {}: {reason})", ep.host)
            }
            Credential::None => format!(" (no credentials for {} in the docker config)", ep.host),
            _ => String::new(),
        };
        let unauthorized = |detail: String| FetchError::Unauthorized {
            url: url.to_string(),
            detail,
        };
        let challenges = parse_challenges(challenge);
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let realm = bearer
                .params
                .get("realm")
                .ok_or_else(|| FetchError::BadResponse {
                    url: url.to_string(),
                    reason: "Bearer challenge without realm".into(),
                })?;
            let mut token_url = realm.clone();
            let mut sep = if token_url.contains('?') { '&' } else { '?' };
            if let Some(service) = bearer.params.get("service") {
                token_url.push_str(&format!("{sep}service={}", query_escape(service)));
                sep = '&';
            }
            for one in scope.token_scopes(repo) {
                token_url.push_str(&format!("{sep}scope={}", query_escape(&one)));
                sep = '&';
            }
            let mut req = self.agent(ep).get(&token_url);
            if let Some(b) = &basic {
                req = req.header("Authorization", b);
            }
            let mut resp = req.call().map_err(|e| FetchError::Transport {
                url: realm.clone(),
                message: e.to_string(),
            })?;
            let code = resp.status().as_u16();
            if code == 401 || code == 403 {
                let body = resp
                    .body_mut()
                    .with_config()
                    .limit(4096)
                    .read_to_string()
                    .unwrap_or_default();
                let said = token_refusal(&body)
                    .map(|s| format!(": {}", clip(&s, 300)))
                    .unwrap_or_default();
                return Err(unauthorized(format!(
                    "token endpoint {realm} answered {code}{said}{note}"
                )));
            }
            if !resp.status().is_success() {
                return Err(FetchError::Status {
                    url: realm.clone(),
                    status: code,
                    message: "token request refused".into(),
                });
            }
            let body = resp
                .body_mut()
                .with_config()
                .limit(TOKEN_LIMIT)
                .read_to_vec()
                .map_err(|e| FetchError::Transport {
                    url: realm.clone(),
                    message: e.to_string(),
                })?;
            let v: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| FetchError::BadResponse {
                    url: realm.clone(),
                    reason: format!("token answer is not JSON: {e}"),
                })?;
            let token = v
                .get("token")
                .or_else(|| v.get("access_token"))
                .and_then(|t| t.as_str())
                .filter(|t| !t.is_empty())
                .ok_or_else(|| FetchError::BadResponse {
                    url: realm.clone(),
                    reason: "no token in the answer".into(),
                })?;
            return Ok(format!("Bearer {token}"));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            return basic
                .ok_or_else(|| unauthorized(format!("{} requires credentials{note}", ep.host)));
        }
        Err(unauthorized(format!(
            "answered 401 with an unsupported challenge {challenge:?}{note}"
        )))
    }
}

/// Maps an error status to a [`FetchError`] (reading the start of the body).
pub fn status_error(url: &str, resp: &mut Response<Body>) -> FetchError {
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    let said = registry_errors(&body);
    let message = clip(body.trim(), 300).to_string();
    match status {
        404 => FetchError::NotFound {
            url: url.to_string(),
        },
        401 | 403 => FetchError::Unauthorized {
            url: url.to_string(),
            detail: match said {
                Some(said) => format!("answered {status}: {said}"),
                None => format!("answered {status}"),
            },
        },
        _ => FetchError::Status {
            url: url.to_string(),
            status,
            message,
        },
    }
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn clip(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The `code: message` pairs of a distribution error body
/// (`{"errors":[{"code":…,"message":…}]}`), joined; `None` when the body is not one.
fn registry_errors(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let said: Vec<String> = v
        .get("errors")?
        .as_array()?
        .iter()
        .filter_map(|e| {
            let code = e.get("code").and_then(|c| c.as_str()).unwrap_or_default();
            let message = e
                .get("message")
                .and_then(|m| m.as_str())
                .unwrap_or_default();
            match (code.is_empty(), message.is_empty()) {
                (true, true) => None,
                (false, true) => Some(code.to_string()),
                (true, false) => Some(message.to_string()),
                (false, false) => Some(format!("{code}: {message}")),
            }
        })
        .collect();
    (!said.is_empty()).then(|| said.join("; "))
}

/// Why a token endpoint refused: the `details` (Docker Hub), `error_description` or
/// `error` (OAuth 2) or `message` of its JSON answer, or distribution-style `errors`.
fn token_refusal(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    ["details", "detail", "error_description", "error", "message"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|d| d.as_str()).filter(|d| !d.is_empty()))
        .map(str::to_string)
        .or_else(|| registry_errors(body))
}

/// A response header as a string.
pub fn header(resp: &Response<Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::{clip, registry_errors, token_refusal, Scope};

    #[test]
    fn token_scopes_name_every_repository_touched() {
        assert_eq!(Scope::Pull.token_scopes("a/b"), ["repository:a/b:pull"]);
        assert_eq!(
            Scope::PushMountFrom("c/d").token_scopes("a/b"),
            ["repository:a/b:pull,push", "repository:c/d:pull"]
        );
    }

    #[test]
    fn distribution_error_bodies() {
        let body = r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository","Name":"a","Action":"push"}]},{"code":"DENIED"}]}"#;
        assert_eq!(
            registry_errors(body).as_deref(),
            Some("UNAUTHORIZED: authentication required; DENIED")
        );
        assert_eq!(registry_errors("<html>no</html>"), None);
        assert_eq!(registry_errors(r#"{"errors":[]}"#), None);
        assert_eq!(
            token_refusal(r#"{"details":"incorrect username or password"}"#).as_deref(),
            Some("incorrect username or password")
        );
        assert_eq!(
            token_refusal(r#"{"error":"invalid_grant"}"#).as_deref(),
            Some("invalid_grant")
        );
        assert_eq!(
            token_refusal(body).as_deref(),
            registry_errors(body).as_deref()
        );
        assert_eq!(token_refusal("denied"), None);
        assert_eq!(clip("ab\u{e9}c", 3), "ab");
        assert_eq!(clip("abc", 300), "abc");
    }
}
