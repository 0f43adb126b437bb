//! Hand-written prost messages for the five LLB messages that hold maps.
//!
//! Why by hand: Go (protobuf-go, and vtprotobuf for `Definition`) writes every
//! map entry with both its key and its value, even when one of them is the
//! zero value (`""`, `false`, an empty message). prost's derived encoder
//! leaves zero keys/values out of the entry, which changes the bytes and so
//! the op digest. These impls write entries the Go way, in key order (the maps
//! are `BTreeMap`s, so iteration is sorted, as Go's deterministic mode sorts).
//! Everything that is not a map is encoded exactly as prost's derive would.
//!
//! What this module does not do: anything beyond the wire format (no
//! validation, no JSON; see `json.rs`). `build.rs` checks that these structs
//! still match `proto/llb.proto`; `crate::pb` re-exports them so callers see
//! one schema module.

use std::collections::BTreeMap;

use prost::bytes::{Buf, BufMut};
use prost::encoding::{
    self, bool as pbool, bytes as pbytes, encode_key, encode_varint, encoded_len_varint, int64,
    message, skip_field, string, DecodeContext, WireType,
};
use prost::{DecodeError, Message};

use crate::pb::{BuildInput, ExportCache, LinuxResources, Locations, ProgressGroup, SourceInfo};

/// Writes one map field the way Go does: one length-delimited entry per key,
/// key (field 1) and value (field 2) always present.
fn encode_map<K, V, B: BufMut>(
    tag: u32,
    map: &BTreeMap<K, V>,
    key_len: impl Fn(u32, &K) -> usize,
    key_enc: impl Fn(u32, &K, &mut B),
    val_len: impl Fn(u32, &V) -> usize,
    val_enc: impl Fn(u32, &V, &mut B),
    buf: &mut B,
) {
    for (k, v) in map {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint((key_len(1, k) + val_len(2, v)) as u64, buf);
        key_enc(1, k, buf);
        val_enc(2, v, buf);
    }
}

/// Encoded length of a map field written by [`encode_map`].
fn map_len<K, V>(
    tag: u32,
    map: &BTreeMap<K, V>,
    key_len: impl Fn(u32, &K) -> usize,
    val_len: impl Fn(u32, &V) -> usize,
) -> usize {
    map.iter()
        .map(|(k, v)| {
            let inner = key_len(1, k) + val_len(2, v);
            encoding::key_len(tag) + encoded_len_varint(inner as u64) + inner
        })
        .sum()
}

fn msg_len<M: Message>(tag: u32, m: &M) -> usize {
    message::encoded_len(tag, m)
}

fn msg_enc<M: Message, B: BufMut>(tag: u32, m: &M, buf: &mut B) {
    message::encode(tag, m, buf)
}

fn str_len(tag: u32, s: &String) -> usize {
    string::encoded_len(tag, s)
}

fn str_enc<B: BufMut>(tag: u32, s: &String, buf: &mut B) {
    string::encode(tag, s, buf)
}

fn bool_len(tag: u32, b: &bool) -> usize {
    pbool::encoded_len(tag, b)
}

fn bool_enc<B: BufMut>(tag: u32, b: &bool, buf: &mut B) {
    pbool::encode(tag, b, buf)
}

/// Adds the (message, field) context to a decode error, as prost's derive does.
fn ctx_err(message: &'static str, field: &'static str) -> impl FnOnce(DecodeError) -> DecodeError {
    move |mut e| {
        e.push(message, field);
        e
    }
}

/// `pb.SourceOp`: a source such as an image, a local context or a git repo.
#[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
pub struct SourceOp {
    /// `identifier = 1`, e.g. `docker-image://docker.io/library/alpine:3`.
    pub identifier: String,
    /// `attrs = 2`: source attributes (BuildKit's `solver/pb/attr.go` keys).
    pub attrs: BTreeMap<String, String>,
}

impl Message for SourceOp {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if !self.identifier.is_empty() {
            string::encode(1, &self.identifier, buf);
        }
        encode_map(2, &self.attrs, str_len, str_enc, str_len, str_enc, buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => string::merge(wire_type, &mut self.identifier, buf, ctx)
                .map_err(ctx_err("SourceOp", "identifier")),
            2 => {
                encoding::btree_map::merge(string::merge, string::merge, &mut self.attrs, buf, ctx)
                    .map_err(ctx_err("SourceOp", "attrs"))
            }
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let mut n = 0;
        if !self.identifier.is_empty() {
            n += string::encoded_len(1, &self.identifier);
        }
        n + map_len(2, &self.attrs, str_len, str_len)
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `pb.BuildOp`: a nested build (experimental in BuildKit).
#[derive(Clone, PartialEq, Default, Debug)]
pub struct BuildOp {
    /// `builder = 1`: input index of the builder, or -1 for LLB.
    pub builder: i64,
    /// `inputs = 2`.
    pub inputs: BTreeMap<String, BuildInput>,
    /// `def = 3`: an inline definition.
    pub def: Option<Box<Definition>>,
    /// `attrs = 4`.
    pub attrs: BTreeMap<String, String>,
}

impl Message for BuildOp {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if self.builder != 0 {
            int64::encode(1, &self.builder, buf);
        }
        encode_map(2, &self.inputs, str_len, str_enc, msg_len, msg_enc, buf);
        if let Some(def) = &self.def {
            message::encode(3, &**def, buf);
        }
        encode_map(4, &self.attrs, str_len, str_enc, str_len, str_enc, buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => int64::merge(wire_type, &mut self.builder, buf, ctx)
                .map_err(ctx_err("BuildOp", "builder")),
            2 => encoding::btree_map::merge(
                string::merge,
                message::merge,
                &mut self.inputs,
                buf,
                ctx,
            )
            .map_err(ctx_err("BuildOp", "inputs")),
            3 => {
                let def = self.def.get_or_insert_with(Default::default);
                message::merge(wire_type, &mut **def, buf, ctx).map_err(ctx_err("BuildOp", "def"))
            }
            4 => {
                encoding::btree_map::merge(string::merge, string::merge, &mut self.attrs, buf, ctx)
                    .map_err(ctx_err("BuildOp", "attrs"))
            }
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let mut n = 0;
        if self.builder != 0 {
            n += int64::encoded_len(1, &self.builder);
        }
        n += map_len(2, &self.inputs, str_len, msg_len);
        if let Some(def) = &self.def {
            n += message::encoded_len(3, &**def);
        }
        n + map_len(4, &self.attrs, str_len, str_len)
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `pb.OpMetadata`: per-vertex metadata; not part of the op's digest.
#[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
pub struct OpMetadata {
    /// `ignore_cache = 1`.
    pub ignore_cache: bool,
    /// `description = 2`: free-form text such as `llb.customname`.
    pub description: BTreeMap<String, String>,
    /// `export_cache = 4` (field 3 is retired).
    pub export_cache: Option<ExportCache>,
    /// `caps = 5`: capabilities the op needs (`crate::caps`).
    pub caps: BTreeMap<String, bool>,
    /// `progress_group = 6`.
    pub progress_group: Option<ProgressGroup>,
    /// `linux_resources = 7`.
    pub linux_resources: Option<LinuxResources>,
}

impl Message for OpMetadata {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if self.ignore_cache {
            pbool::encode(1, &self.ignore_cache, buf);
        }
        encode_map(
            2,
            &self.description,
            str_len,
            str_enc,
            str_len,
            str_enc,
            buf,
        );
        if let Some(v) = &self.export_cache {
            message::encode(4, v, buf);
        }
        encode_map(5, &self.caps, str_len, str_enc, bool_len, bool_enc, buf);
        if let Some(v) = &self.progress_group {
            message::encode(6, v, buf);
        }
        if let Some(v) = &self.linux_resources {
            message::encode(7, v, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        const M: &str = "OpMetadata";
        match tag {
            1 => pbool::merge(wire_type, &mut self.ignore_cache, buf, ctx)
                .map_err(ctx_err(M, "ignore_cache")),
            2 => encoding::btree_map::merge(
                string::merge,
                string::merge,
                &mut self.description,
                buf,
                ctx,
            )
            .map_err(ctx_err(M, "description")),
            4 => message::merge(
                wire_type,
                self.export_cache.get_or_insert_with(Default::default),
                buf,
                ctx,
            )
            .map_err(ctx_err(M, "export_cache")),
            5 => encoding::btree_map::merge(string::merge, pbool::merge, &mut self.caps, buf, ctx)
                .map_err(ctx_err(M, "caps")),
            6 => message::merge(
                wire_type,
                self.progress_group.get_or_insert_with(Default::default),
                buf,
                ctx,
            )
            .map_err(ctx_err(M, "progress_group")),
            7 => message::merge(
                wire_type,
                self.linux_resources.get_or_insert_with(Default::default),
                buf,
                ctx,
            )
            .map_err(ctx_err(M, "linux_resources")),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let mut n = 0;
        if self.ignore_cache {
            n += pbool::encoded_len(1, &self.ignore_cache);
        }
        n += map_len(2, &self.description, str_len, str_len);
        if let Some(v) = &self.export_cache {
            n += message::encoded_len(4, v);
        }
        n += map_len(5, &self.caps, str_len, bool_len);
        if let Some(v) = &self.progress_group {
            n += message::encoded_len(6, v);
        }
        if let Some(v) = &self.linux_resources {
            n += message::encoded_len(7, v);
        }
        n
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `pb.Source`: source maps from vertices to locations in source files.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Source {
    /// `locations = 1`, keyed by op digest.
    pub locations: BTreeMap<String, Locations>,
    /// `infos = 2`: the source files.
    pub infos: Vec<SourceInfo>,
}

impl Message for Source {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        encode_map(1, &self.locations, str_len, str_enc, msg_len, msg_enc, buf);
        for info in &self.infos {
            message::encode(2, info, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => encoding::btree_map::merge(
                string::merge,
                message::merge,
                &mut self.locations,
                buf,
                ctx,
            )
            .map_err(ctx_err("Source", "locations")),
            2 => message::merge_repeated(wire_type, &mut self.infos, buf, ctx)
                .map_err(ctx_err("Source", "infos")),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        map_len(1, &self.locations, str_len, msg_len)
            + message::encoded_len_repeated(2, &self.infos)
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `pb.Definition`: the marshalled graph, its metadata and source maps.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Definition {
    /// `def = 1`: each element is one marshalled `pb.Op`; the last is the
    /// terminal op.
    pub def: Vec<Vec<u8>>,
    /// `metadata = 2`, keyed by op digest string (`sha256:...`).
    pub metadata: BTreeMap<String, OpMetadata>,
    /// `Source = 3`.
    pub source: Option<Source>,
}

impl Message for Definition {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        pbytes::encode_repeated(1, &self.def, buf);
        encode_map(2, &self.metadata, str_len, str_enc, msg_len, msg_enc, buf);
        if let Some(v) = &self.source {
            message::encode(3, v, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => pbytes::merge_repeated(wire_type, &mut self.def, buf, ctx)
                .map_err(ctx_err("Definition", "def")),
            2 => encoding::btree_map::merge(
                string::merge,
                message::merge,
                &mut self.metadata,
                buf,
                ctx,
            )
            .map_err(ctx_err("Definition", "metadata")),
            3 => message::merge(
                wire_type,
                self.source.get_or_insert_with(Default::default),
                buf,
                ctx,
            )
            .map_err(ctx_err("Definition", "Source")),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let mut n = pbytes::encoded_len_repeated(1, &self.def);
        n += map_len(2, &self.metadata, str_len, msg_len);
        if let Some(v) = &self.source {
            n += message::encoded_len(3, v);
        }
        n
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}
