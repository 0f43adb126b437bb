//! The one error type of this crate, [`SchemaError`].
//!
//! Every variant names the op (by digest and/or position in
//! `Definition.def`) or the byte offset that is wrong, and its message says
//! what to fix. Nothing here decides *whether* something is an error; the
//! checks live in `wire.rs`, `definition.rs` and `graph.rs`.

use crate::digest::{Digest, DigestParseError};

/// What went wrong while decoding, validating or rendering LLB.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The bytes stop in the middle of a field.
    #[error(
        "LLB bytes are truncated: the {what} at byte {offset} needs {needed} more byte(s) but only \
         {available} remain; the input was cut short (incomplete read or write?), re-create it"
    )]
    Truncated {
        /// What was being read: `field key`, `varint`, `length-delimited field`, ...
        what: &'static str,
        /// Byte offset where that item starts.
        offset: usize,
        /// Bytes it needs.
        needed: usize,
        /// Bytes left in the input from `offset`.
        available: usize,
    },

    /// The bytes are not a well-formed `pb.Definition`.
    #[error(
        "bytes are not a valid pb.Definition: {source}; expected raw LLB as BuildKit writes it \
         (not JSON or `buildctl debug dump-llb` output)"
    )]
    Decode {
        /// prost's description, with the message/field path where it failed.
        #[source]
        source: prost::DecodeError,
    },

    /// One element of `Definition.def` is not a well-formed `pb.Op`.
    #[error(
        "op #{index} ({digest}) of the definition is not a valid pb.Op: {source}; the op bytes \
         are corrupt or were produced by an incompatible schema"
    )]
    DecodeOp {
        /// Position in `Definition.def`.
        index: usize,
        /// SHA-256 of the op bytes as given.
        digest: Digest,
        /// prost's description.
        #[source]
        source: prost::DecodeError,
    },

    /// The same op bytes occur twice in `Definition.def`.
    #[error(
        "op {digest} occurs twice in the definition (positions {first} and {second}); BuildKit \
         writes each distinct op once: drop the second copy"
    )]
    DuplicateOp {
        /// The op's digest.
        digest: Digest,
        /// First position.
        first: usize,
        /// Repeated position.
        second: usize,
    },

    /// An input edge's digest string is malformed.
    #[error("op {op} input #{input_index} has a malformed digest: {source}")]
    InvalidInputDigest {
        /// The op holding the input.
        op: Digest,
        /// Position in the op's `inputs`.
        input_index: usize,
        /// Why the digest string is rejected.
        #[source]
        source: DigestParseError,
    },

    /// An input edge asks for a negative output index.
    #[error(
        "op {op} input #{input_index} asks for output {output} of {input}; output indexes are \
         0 or more (BuildKit rejects negative ones)"
    )]
    NegativeOutputIndex {
        /// The op holding the input.
        op: Digest,
        /// Position in the op's `inputs`.
        input_index: usize,
        /// The input's op digest.
        input: Digest,
        /// The bad index.
        output: i64,
    },

    /// An input edge refers to an op the definition does not contain.
    #[error(
        "op {op} has input {input}, which is not in the definition; marshal every input op \
         into Definition.def before the ops that use it"
    )]
    MissingInput {
        /// The op holding the input.
        op: Digest,
        /// The digest nobody defines.
        input: Digest,
    },

    /// Input edges form a cycle.
    #[error(
        "the ops form a cycle ({}); LLB must be a DAG: an op cannot depend on itself, directly \
         or through other ops",
        display_path(.path)
    )]
    Cycle {
        /// The ops on the cycle, each an input of the next; the first repeats last.
        path: Vec<Digest>,
    },

    /// The last op is not a terminal op.
    #[error(
        "the definition has no terminal op: its last op {last} {reason}; BuildKit ends every \
         non-empty definition with an op that has exactly one input (the result) and nothing else"
    )]
    NoTerminal {
        /// Digest of the last op.
        last: Digest,
        /// What disqualifies it.
        reason: &'static str,
    },

    /// An op other than the last one looks like a terminal (no operation).
    #[error(
        "op #{index} ({op}) has no operation (exec/source/file/...) but is not the last op; only \
         the terminal op, last in Definition.def, may be empty"
    )]
    ExtraTerminal {
        /// The op.
        op: Digest,
        /// Its position in `Definition.def`.
        index: usize,
    },

    /// An op that the terminal op does not (transitively) depend on.
    #[error(
        "op #{index} ({op}) is not an input (direct or indirect) of the terminal op, so it is a \
         second result; BuildKit only writes ops reachable from the result: remove it"
    )]
    Unreachable {
        /// The op.
        op: Digest,
        /// Its position in `Definition.def`.
        index: usize,
    },

    /// A digest-keyed map entry names no op of the definition.
    #[error(
        "{place} has key {key:?}, which is not the digest of any op in Definition.def; key \
         metadata and source locations by the digest of the op's exact bytes"
    )]
    OrphanKey {
        /// `Definition.metadata` or `Definition.Source.locations`.
        place: &'static str,
        /// The key.
        key: String,
    },
}

fn display_path(path: &[Digest]) -> String {
    path.iter()
        .map(Digest::to_string)
        .collect::<Vec<_>>()
        .join(" -> ")
}
