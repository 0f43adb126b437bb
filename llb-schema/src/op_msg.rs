//! Hand-written prost message for `pb.Op`, because Go writes its oneof last.
//!
//! protobuf-go (deterministic mode, used by BuildKit for ops) and
//! vtprotobuf (used for the terminal op) both marshal the fields of a message
//! in field-number order *except* oneof members, which come after all other
//! fields. For `Op` that means `inputs` (1), `platform` (10), `constraints`
//! (11), then the operation (2..8). prost's derive writes a oneof at the
//! position of its lowest tag, which would change every op digest. This impl
//! writes the Go order; decoding accepts any order, as protobuf requires.
//! `Op` is the only LLB message with a field numbered above its oneof
//! (`build.rs` enforces that any other such message is hand-written too).
//!
//! Nothing else lives here: no validation, no JSON (see `json.rs`).

use prost::bytes::{Buf, BufMut};
use prost::encoding::{message, skip_field, DecodeContext, WireType};
use prost::{DecodeError, Message};

use crate::pb::{Input, Platform, WorkerConstraints};

/// The oneof of `pb.Op` (the same path, `pb::op::Op`, that prost would generate).
pub mod op {
    /// Which operation an op performs.
    // Unboxed variants, as prost would generate them.
    #[allow(clippy::large_enum_variant)]
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Op {
        /// `exec = 2`.
        #[prost(message, tag = "2")]
        Exec(crate::pb::ExecOp),
        /// `source = 3`.
        #[prost(message, tag = "3")]
        Source(crate::pb::SourceOp),
        /// `file = 4`.
        #[prost(message, tag = "4")]
        File(crate::pb::FileOp),
        /// `build = 5`.
        #[prost(message, tag = "5")]
        Build(crate::pb::BuildOp),
        /// `merge = 6`.
        #[prost(message, tag = "6")]
        Merge(crate::pb::MergeOp),
        /// `diff = 7`.
        #[prost(message, tag = "7")]
        Diff(crate::pb::DiffOp),
        /// `passthrough = 8`.
        #[prost(message, tag = "8")]
        Passthrough(crate::pb::PassthroughOp),
    }
}

/// `pb.Op`: one vertex of the LLB graph.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Op {
    /// `inputs = 1`: edges to the ops this one reads.
    pub inputs: Vec<Input>,
    /// The operation (`exec = 2` .. `passthrough = 8`); `None` for the
    /// terminal op.
    pub op: Option<op::Op>,
    /// `platform = 10`.
    pub platform: Option<Platform>,
    /// `constraints = 11`.
    pub constraints: Option<WorkerConstraints>,
}

fn with_ctx(field: &'static str) -> impl FnOnce(DecodeError) -> DecodeError {
    move |mut e| {
        e.push("Op", field);
        e
    }
}

impl Message for Op {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        message::encode_repeated(1, &self.inputs, buf);
        if let Some(v) = &self.platform {
            message::encode(10, v, buf);
        }
        if let Some(v) = &self.constraints {
            message::encode(11, v, buf);
        }
        if let Some(v) = &self.op {
            v.encode(buf);
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
            1 => message::merge_repeated(wire_type, &mut self.inputs, buf, ctx)
                .map_err(with_ctx("inputs")),
            2..=8 => op::Op::merge(&mut self.op, tag, wire_type, buf, ctx).map_err(with_ctx("op")),
            10 => message::merge(
                wire_type,
                self.platform.get_or_insert_with(Default::default),
                buf,
                ctx,
            )
            .map_err(with_ctx("platform")),
            11 => message::merge(
                wire_type,
                self.constraints.get_or_insert_with(Default::default),
                buf,
                ctx,
            )
            .map_err(with_ctx("constraints")),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        message::encoded_len_repeated(1, &self.inputs)
            + self
                .platform
                .as_ref()
                .map_or(0, |v| message::encoded_len(10, v))
            + self
                .constraints
                .as_ref()
                .map_or(0, |v| message::encoded_len(11, v))
            + self.op.as_ref().map_or(0, op::Op::encoded_len)
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}
