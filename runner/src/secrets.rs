//! Build secrets as the runner sees them: [`SecretBytes`] (a secret's value, redacted
//! in `Debug`, zeroed when dropped), the [`SecretProvider`] the caller hands to
//! [`SolverBuilder::secrets`](crate::SolverBuilder::secrets) (BuildKit's session secret
//! store), and [`SecretMap`], a provider holding values read up front.
//!
//! What it does not do: read `--secret` flags, files or environment variables (the CLI
//! does, and builds a [`SecretMap`]), or mount anything (`ops/secret.rs` turns an exec
//! op's secret mounts and secret env into what the executor needs; the executor writes
//! the files into a tmpfs that exists only in the container's mount namespace).
//!
//! A secret never enters a cache key: as in BuildKit, a step is keyed by its op (which
//! names the secret's id, target and mode, never its value) and its inputs, so changing
//! a secret's value does not rerun a cached step.

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

/// The largest secret BuildKit's session provider serves (500 KiB); larger ones are
/// refused there with "invalid secret size", and by the CLI here.
pub const MAX_SECRET_SIZE: usize = 500 * 1024;

/// A secret's bytes. `Debug` prints only the length; the memory is zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps `bytes` (taking ownership, so no unzeroed copy is left behind by this call).
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(Zeroizing::new(bytes))
    }

    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted, {} bytes>)", self.0.len())
    }
}

/// Serves secrets by id to exec ops (BuildKit's `secrets.SecretStore`).
pub trait SecretProvider: Send + Sync {
    /// The secret named `id`, or `None` when this provider has none by that id.
    fn get(&self, id: &str) -> Option<SecretBytes>;
}

/// A provider holding its secrets in memory, by id.
#[derive(Clone, Default)]
pub struct SecretMap {
    secrets: BTreeMap<String, SecretBytes>,
}

impl SecretMap {
    /// An empty map (every secret is "not provided").
    pub fn new() -> SecretMap {
        SecretMap::default()
    }

    /// Adds or replaces the secret `id` (the last `--secret` for an id wins, as in
    /// BuildKit's store).
    pub fn insert(&mut self, id: impl Into<String>, value: SecretBytes) {
        self.secrets.insert(id.into(), value);
    }

    /// The ids held, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.secrets.keys().map(String::as_str)
    }
}

impl fmt::Debug for SecretMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.secrets.iter()).finish()
    }
}

impl SecretProvider for SecretMap {
    fn get(&self, id: &str) -> Option<SecretBytes> {
        self.secrets.get(id).cloned()
    }
}

/// A secret an exec op needs and the provider does not have.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A required secret mount or secret env whose id was not provided.
    #[error("secret {id:?} is required by this step but was not provided; pass --secret id={id},src=FILE (or id={id},env=VAR)")]
    Missing {
        /// The secret's id.
        id: String,
    },
    /// The op names no id.
    #[error("{what} has no secret id")]
    NoId {
        /// The mount or variable (`mount /run/secrets/x`, `variable TOKEN`).
        what: String,
    },
    /// A secret used as an environment variable holds a NUL byte, which no variable can.
    #[error("secret {id:?} contains a NUL byte, so it cannot be an environment variable; mount it as a file instead")]
    NulInEnv {
        /// The secret's id.
        id: String,
    },
    /// A secret env variable name that cannot be set.
    #[error("secret {id:?}: {name:?} is not a valid environment variable name")]
    BadEnvName {
        /// The secret's id.
        id: String,
        /// The variable name.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let mut m = SecretMap::new();
        m.insert("tok", SecretBytes::new(b"hunter2-value".to_vec()));
        let shown = format!("{m:?} {:?}", m.get("tok"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("tok") && shown.contains("13 bytes"),
            "{shown}"
        );
    }

    #[test]
    fn map_serves_by_id_and_last_insert_wins() {
        let mut m = SecretMap::new();
        m.insert("a", SecretBytes::new(b"1".to_vec()));
        m.insert("a", SecretBytes::new(b"2".to_vec()));
        assert_eq!(m.get("a").unwrap().expose(), b"2");
        assert!(m.get("b").is_none());
        assert_eq!(m.ids().collect::<Vec<_>>(), ["a"]);
    }
}
