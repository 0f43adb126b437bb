//! Marshalling of ops and Definitions, byte-for-byte as BuildKit does it.
//!
//! BuildKit marshals an op with protobuf-go in deterministic mode and a
//! Definition with vtprotobuf; for LLB both come down to: fields in
//! field-number order, proto3 zero scalars left out, present sub-messages
//! always written (even when empty), oneof members always written, repeated
//! scalars packed, map entries sorted by key with key and value always
//! written. prost's derive gives the same bytes for every message without a
//! map; the five with maps are implemented in `maps.rs`. Unknown fields are
//! not kept (prost drops them), so re-encoding bytes that carry fields this
//! schema does not know changes them.
//!
//! This module also offers [`DefinitionBuilder`], which assembles a
//! Definition the way BuildKit's `llb.State.Marshal` does. It validates
//! nothing; see `graph.rs`.

use std::collections::{BTreeMap, HashMap};

use prost::Message;

use crate::caps;
use crate::digest::{digest, Digest};
use crate::error::SchemaError;
use crate::pb::{Definition, Input, Op, OpMetadata, Source};
use crate::wire::check_framing;

/// Decodes `pb.Definition` bytes. Zero bytes decode to the empty definition.
pub fn decode_definition(bytes: &[u8]) -> Result<Definition, SchemaError> {
    check_framing(bytes)?;
    Definition::decode(bytes).map_err(|source| SchemaError::Decode { source })
}

/// Encodes a Definition exactly as BuildKit writes it (sorted metadata).
pub fn encode_definition(def: &Definition) -> Vec<u8> {
    def.encode_to_vec()
}

/// Decodes one op; `index` is only used in the error.
pub fn decode_op(bytes: &[u8], index: usize) -> Result<Op, SchemaError> {
    Op::decode(bytes).map_err(|source| SchemaError::DecodeOp {
        index,
        digest: digest(bytes),
        source,
    })
}

/// Marshals an op exactly as BuildKit does (`proto.MarshalOptions{Deterministic: true}`).
pub fn encode_op(op: &Op) -> Vec<u8> {
    op.encode_to_vec()
}

/// The digest of an op: SHA-256 of [`encode_op`].
pub fn op_digest(op: &Op) -> Digest {
    digest(&encode_op(op))
}

/// Merges `add` into `base` as BuildKit's `mergeMetadata` does: flags are
/// or-ed, description keys are overwritten, caps are set to `true`, and
/// export-cache, progress-group and resources are replaced when given.
pub fn merge_metadata(base: &mut OpMetadata, add: &OpMetadata) {
    base.ignore_cache |= add.ignore_cache;
    for (k, v) in &add.description {
        base.description.insert(k.clone(), v.clone());
    }
    if add.export_cache.is_some() {
        base.export_cache.clone_from(&add.export_cache);
    }
    for k in add.caps.keys() {
        base.caps.insert(k.clone(), true);
    }
    if add.progress_group.is_some() {
        base.progress_group.clone_from(&add.progress_group);
    }
    if add.linux_resources.is_some() {
        base.linux_resources.clone_from(&add.linux_resources);
    }
}

/// Builds a Definition op by op, as BuildKit's `llb.State.Marshal` does:
/// inputs must be pushed before the ops that use them, an op pushed twice is
/// written once (its metadata merged), and [`finish`](Self::finish) appends
/// the terminal op with BuildKit's terminal capabilities.
#[derive(Debug, Default, Clone)]
pub struct DefinitionBuilder {
    def: Vec<Vec<u8>>,
    seen: HashMap<Digest, usize>,
    metadata: BTreeMap<String, OpMetadata>,
    source: Option<Source>,
}

impl DefinitionBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marshals `op`, appends it unless an identical op is already there, and
    /// merges `metadata` (if any) into its metadata entry. Like BuildKit,
    /// every pushed op gets a metadata entry, empty (`{}`) if no metadata is
    /// ever given for it. Returns the digest to use in the `Input`s of later
    /// ops.
    pub fn push(&mut self, op: &Op, metadata: Option<&OpMetadata>) -> Digest {
        self.push_bytes(encode_op(op), metadata)
    }

    /// Like [`push`](Self::push) for op bytes marshalled elsewhere.
    pub fn push_bytes(&mut self, bytes: Vec<u8>, metadata: Option<&OpMetadata>) -> Digest {
        let d = digest(&bytes);
        let entry = self.metadata.entry(d.to_string()).or_default();
        if let Some(md) = metadata {
            merge_metadata(entry, md);
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.seen.entry(d) {
            e.insert(self.def.len());
            self.def.push(bytes);
        }
        d
    }

    /// Sets `Definition.Source` (source maps).
    pub fn set_source(&mut self, source: Option<Source>) {
        self.source = source;
    }

    /// Number of ops pushed so far (distinct, terminal not included).
    pub fn len(&self) -> usize {
        self.def.len()
    }

    /// Whether no op was pushed.
    pub fn is_empty(&self) -> bool {
        self.def.is_empty()
    }

    /// Completes the definition. With `output` (the result: digest and output
    /// index of a pushed op) it appends the terminal op `{inputs: [output]}`
    /// and gives it BuildKit's terminal caps (`constraints`, `platform`, plus
    /// `meta.ignorecache` / `meta.description` / `meta.exportcache` when any
    /// op uses them). With `None` it returns what was pushed as is; BuildKit's
    /// empty result (scratch) is a builder with nothing pushed and no output.
    pub fn finish(mut self, output: Option<(Digest, i64)>) -> Definition {
        if let Some((input, index)) = output {
            let terminal = Op {
                inputs: vec![Input {
                    digest: input.to_string(),
                    index,
                }],
                ..Op::default()
            };
            let bytes = encode_op(&terminal);
            let key = digest(&bytes).to_string();
            let mut md = self.metadata.get(&key).cloned().unwrap_or_default();
            md.caps = BTreeMap::new();
            md.caps.insert(caps::CONSTRAINTS.to_string(), true);
            md.caps.insert(caps::PLATFORM.to_string(), true);
            for m in self.metadata.values() {
                if m.ignore_cache {
                    md.caps.insert(caps::META_IGNORE_CACHE.to_string(), true);
                }
                if !m.description.is_empty() {
                    md.caps.insert(caps::META_DESCRIPTION.to_string(), true);
                }
                if m.export_cache.is_some() {
                    md.caps.insert(caps::META_EXPORT_CACHE.to_string(), true);
                }
            }
            self.metadata.insert(key, md);
            self.def.push(bytes);
        }
        Definition {
            def: self.def,
            metadata: self.metadata,
            source: self.source,
        }
    }
}
