//! Registries: image references and a client of the OCI distribution API.
//! What it does not do: unpack layers (see `ops/image.rs`) or decide what
//! to cache.

mod client;
mod reference;

use std::path::PathBuf;

pub use client::{base64_decode, base64_encode, Client, ClientConfig, MANIFEST_TYPES};
pub use reference::{BadReference, Reference};

/// A registry conversation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached.
    #[error("cannot reach {url}: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// The client's description.
        message: String,
    },
    /// The registry answered with an error status.
    #[error("{url}: HTTP {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Http {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// The body's start or an explanation.
        message: String,
    },
    /// Content did not match its digest.
    #[error("{url}: content digest {actual} does not match {expected}")]
    DigestMismatch {
        /// The URL.
        url: String,
        /// The digest asked for.
        expected: String,
        /// The digest received.
        actual: String,
    },
    /// A response is not what the API defines.
    #[error("{url}: {reason}")]
    BadResponse {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing downloaded content failed.
    #[error("cannot write {}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
}
