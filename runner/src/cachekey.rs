//! Cache keys, formed as BuildKit forms them: the op's digest combined with
//! one key per input, where an input's key is the content checksum of what
//! the op reads from it (BuildKit's content-based "slow" keys): the
//! checksum of the selected paths when the op declares selectors (COPY
//! sources, owner lookups in /etc, exec mount selectors), else the digest of
//! the input's whole tree (its snapshot id). Local sources are keyed by the
//! checksum of the files they read. Each output gets its own key.
//!
//! Because every input key is a content checksum, an input rebuilt to the
//! same content leaves its consumers cached, and a context file change only
//! invalidates the ops that read that file.

use llb_schema::Digest;
use sha2::{Digest as _, Sha256};

/// What an op reads from one input, for its cache key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepKey {
    /// The whole input tree (its snapshot id).
    Whole(Digest),
    /// A checksum of selected paths in it.
    Selected(Digest),
}

/// The cache key of a vertex (all outputs): op digest + input keys.
pub fn vertex_key(op: &Digest, deps: &[DepKey]) -> Digest {
    let mut h = Sha256::new();
    h.update(b"dfc-cachekey-v1\0");
    h.update(op.as_bytes());
    for d in deps {
        match d {
            DepKey::Whole(x) => {
                h.update(b"w");
                h.update(x.as_bytes());
            }
            DepKey::Selected(x) => {
                h.update(b"s");
                h.update(x.as_bytes());
            }
        }
    }
    Digest::from_bytes(h.finalize().into())
}

/// The key of one output of a vertex.
pub fn output_key(vertex: &Digest, output: usize) -> Digest {
    let mut h = Sha256::new();
    h.update(b"dfc-output-v1\0");
    h.update(vertex.as_bytes());
    h.update((output as u64).to_le_bytes());
    Digest::from_bytes(h.finalize().into())
}

/// The key of a source whose content was read to compute it (local).
pub fn content_key(op: &Digest, content: &Digest) -> Digest {
    vertex_key(op, &[DepKey::Whole(*content)])
}
