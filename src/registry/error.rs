//! Errors of the registry resolver: configuration files that cannot be used, and the
//! per-endpoint failures that are gathered into one resolution error naming the image.

/// A configuration problem, reported before any image is resolved.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry config {path}: {message}")]
    Config { path: String, message: String },
    #[error("docker credentials {path}: {message}")]
    Credentials { path: String, message: String },
    #[error("TLS setup: {0}")]
    Tls(String),
}

/// Why one request to one endpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// 404: the next endpoint may have it.
    #[error("not found: {0}")]
    NotFound(String),
    /// 401/403 after presenting whatever credentials there are.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Connection, TLS or protocol failures, other HTTP statuses, bad content.
    #[error("{0}")]
    Other(String),
}
