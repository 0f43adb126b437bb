//! The layer history of a result: the chain of snapshots from its root (an
//! image, a local source, scratch) through each op that modified the root
//! filesystem (an exec's `/` mount, a file op's base), which exporters turn
//! into one layer per step, reusing an image's own layer blobs.
//!
//! A merge op's layers are its inputs' layers, input after input (each
//! input's chain diffed against its own predecessors, as BuildKit exports a
//! merge); a diff op starts a new chain (its result is one layer), as do ops
//! whose base is scratch.

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
    /// The snapshot this step's layer is diffed against (`None`: a chain's
    /// root, exported whole or as the image's own layers).
    pub lower: Option<SnapshotId>,
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
    walk(plan, outputs, v, out, &mut steps, 0);
    steps
}

/// Appends the layers of output `out` of `v` to `steps`; `depth` bounds the
/// nesting of merges (a graph has no cycles, so it only guards the stack).
fn walk(
    plan: &Plan,
    outputs: &[Vec<SnapshotId>],
    v: usize,
    out: i64,
    steps: &mut Vec<LineageStep>,
    depth: usize,
) {
    let snapshot_of = |cur: usize, o: i64| {
        usize::try_from(o)
            .ok()
            .and_then(|o| outputs.get(cur)?.get(o).copied())
    };
    // The linear part, newest first, down to a root or a merge.
    let mut linear = Vec::new();
    let mut merged: Option<SnapshotId> = None;
    let (mut cur, mut cur_out) = (v, out);
    for _ in 0..=plan.vertices.len() {
        let vx = &plan.vertices[cur];
        let Some(snapshot) = snapshot_of(cur, cur_out) else {
            break;
        };
        if let VertexKind::Merge(m) = &vx.kind {
            if depth < 64 {
                for i in &m.inputs {
                    if let Some(&(next, next_out)) =
                        usize::try_from(i.input).ok().and_then(|i| vx.inputs.get(i))
                    {
                        walk(plan, outputs, next, next_out, steps, depth + 1);
                    }
                }
                merged = Some(snapshot);
                break;
            }
        }
        linear.push((cur, snapshot));
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
    let mut lower = merged;
    for (i, snapshot) in linear.into_iter().rev() {
        let vx = &plan.vertices[i];
        let image = lower.is_none()
            && matches!(&vx.kind, VertexKind::Source(s) if s.identifier.starts_with("docker-image://"));
        steps.push(LineageStep {
            snapshot,
            name: vx.name.clone(),
            image,
            lower,
        });
        lower = Some(snapshot);
    }
}
