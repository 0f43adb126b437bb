//! Errors: configuration files that cannot be used ([`ConfigError`]), one request that
//! failed ([`FetchError`]), and an operation over a reference's endpoints that failed
//! ([`RegistryError`], naming every endpoint tried and why).

use std::path::PathBuf;

/// A configuration problem, reported before any image is fetched.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("registry config {path}: {message}")]
    Registry { path: String, message: String },
    #[error("docker credentials {path}: {message}")]
    Credentials { path: String, message: String },
}

/// Why one request to one endpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// 404: another endpoint may have it.
    #[error("{url}: not found")]
    NotFound { url: String },
    /// 401/403 after presenting whatever credentials there are.
    #[error("{url}: unauthorized: {detail}")]
    Unauthorized { url: String, detail: String },
    /// Connection, DNS or TLS failure.
    #[error("cannot reach {url}: {message}")]
    Transport { url: String, message: String },
    /// Any other error status.
    #[error("{url}: HTTP {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    /// Content did not match its digest.
    #[error("{url}: content digest {actual} does not match {expected}")]
    DigestMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    /// A response is not what the API defines, or the content is unusable.
    #[error("{url}: {reason}")]
    BadResponse { url: String, reason: String },
    /// Writing downloaded content, or reading content to upload, failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A docker credential helper failed.
    #[error(transparent)]
    Helper(#[from] crate::helper::HelperError),
}

impl FetchError {
    /// Whether the next endpoint (a mirror miss, an unreachable host) should be asked;
    /// otherwise the content itself is bad and asking elsewhere would hide that.
    pub fn moves_on(&self) -> bool {
        matches!(
            self,
            FetchError::NotFound { .. }
                | FetchError::Unauthorized { .. }
                | FetchError::Transport { .. }
                | FetchError::Status { .. }
        )
    }
}

/// One endpoint asked and how it failed.
#[derive(Debug)]
pub struct Attempt {
    /// `host[/path] (transport)`.
    pub endpoint: String,
    /// `None`: skipped (loopback only).
    pub error: Option<FetchError>,
}

/// An operation on an image failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Every endpoint was tried; none had it.
    #[error("{}; tried {}", if *unauthorized { "pull access denied or authorization failed" } else { "failed to resolve source metadata" }, render(attempts))]
    Endpoints {
        /// Some endpoint refused access (the likely cause).
        unauthorized: bool,
        attempts: Vec<Attempt>,
    },
    /// An endpoint served something broken: stop there.
    #[error("{endpoint}: {source}")]
    Content {
        endpoint: String,
        source: FetchError,
    },
    /// A single request (push, download) failed.
    #[error(transparent)]
    Request(#[from] FetchError),
}

impl RegistryError {
    /// A content problem found after fetching (bad JSON, missing fields).
    pub fn bad(url: impl Into<String>, reason: impl Into<String>) -> RegistryError {
        RegistryError::Request(FetchError::BadResponse {
            url: url.into(),
            reason: reason.into(),
        })
    }
}

fn render(attempts: &[Attempt]) -> String {
    let parts: Vec<String> = attempts
        .iter()
        .map(|a| match &a.error {
            Some(e) => format!("{}: {e}", a.endpoint),
            None => format!("{}: not tried (loopback only)", a.endpoint),
        })
        .collect();
    parts.join("; ")
}
