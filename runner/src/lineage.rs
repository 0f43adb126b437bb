//! The layer history of a result: the chain of snapshots from its root (an
//! image, a local source, scratch) through each op that modified the root
//! filesystem (an exec's `/` mount, a file op's base), which exporters turn
//! into one layer per step, reusing an image's own layer blobs.
//!
//! Merge and diff ops start a new chain (their result is exported as one
//! layer), as do ops whose base is scratch.

use llb_schema::pb::FileOp;

use crate::store::SnapshotId;
use crate::vertex::{Plan, VertexKind};

/// One step of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageStep {
    /// The snapshot after this step.
    pub snapshot: SnapshotId,
    /// The step's name (history `created_by`).
    pub name: String,
    /// Whether the step is an image source (its layers are the image's).
    pub image: bool,
}

/// The op input a file op's output `out` was built on, if any.
fn file_base(f: &FileOp, inputs: usize, out: i64) -> Option<usize> {
    let n = inputs as i64;
    let mut a = f.actions.iter().position(|a| a.output == out)?;
    for _ in 0..=f.actions.len() {
        let input = f.actions[a].input;
        if input < 0 {
            return None;
        }
        if input < n {
            return Some(input as usize);
        }
        a = (input - n) as usize;
        if a >= f.actions.len() {
            return None;
        }
    }
    None
}

/// The chain ending at output `out` of vertex `v`, root first.
pub(crate) fn chain(
    plan: &Plan,
    outputs: &[Vec<SnapshotId>],
    v: usize,
    out: i64,
) -> Vec<LineageStep> {
    let mut steps = Vec::new();
    let (mut cur, mut cur_out) = (v, out);
    for _ in 0..=plan.vertices.len() {
        let vx = &plan.vertices[cur];
        let Some(snapshot) = usize::try_from(cur_out)
            .ok()
            .and_then(|o| outputs.get(cur)?.get(o).copied())
        else {
            break;
        };
        let image = matches!(&vx.kind, VertexKind::Source(s) if s.identifier.starts_with("docker-image://"));
        steps.push(LineageStep {
            snapshot,
            name: vx.name.clone(),
            image,
        });
        let base = match &vx.kind {
            VertexKind::Exec(e) => e
                .mounts
                .iter()
                .find(|m| m.dest == "/" && m.output == cur_out)
                .and_then(|m| usize::try_from(m.input).ok()),
            VertexKind::File(f) => file_base(f, vx.inputs.len(), cur_out),
            _ => None,
        };
        let Some(&(next, next_out)) = base.and_then(|b| vx.inputs.get(b)) else {
            break;
        };
        cur = next;
        cur_out = next_out;
    }
    steps.reverse();
    steps
}
