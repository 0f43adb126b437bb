//! The LLB graph under construction: an arena of marshalled vertices and the final walk
//! that turns the reachable part into a `pb.Definition`.
//!
//! A vertex is marshalled as soon as it is created (its inputs already exist), so its
//! digest is known immediately and inputs can be deduplicated by digest as BuildKit does.
//! Vertex identity is kept separately from digests: two vertices with equal bytes are
//! still two vertices, and the final walk merges their metadata in visiting order, which
//! is how BuildKit's `llb.State.Marshal` ends up with the description it writes.
//!
//! What it does not do: decide op contents (see `ops.rs`) or validate the result.

use std::collections::HashSet;

use llb_schema::pb::{Definition, Input, Op, OpMetadata};
use llb_schema::{encode_op, DefinitionBuilder, Digest};

/// One output of a vertex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OutRef {
    pub vertex: usize,
    pub index: i64,
}

#[derive(Debug, Clone)]
struct Vertex {
    digest: Digest,
    bytes: Vec<u8>,
    /// Input vertices in BuildKit's `Inputs()` order (the walk order).
    deps: Vec<usize>,
    metadata: OpMetadata,
}

/// The arena of vertices.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    vertices: Vec<Vertex>,
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    /// The `pb.Input` that refers to `out`.
    pub fn input(&self, out: OutRef) -> Input {
        Input {
            digest: self.vertices[out.vertex].digest.to_string(),
            index: out.index,
        }
    }

    /// Adds an op whose `inputs` are already filled; `deps` are the vertices it reads, in
    /// walk order.
    pub fn add(&mut self, op: &Op, deps: Vec<usize>, metadata: OpMetadata) -> usize {
        let bytes = encode_op(op);
        let digest = llb_schema::digest(&bytes);
        self.vertices.push(Vertex {
            digest,
            bytes,
            deps,
            metadata,
        });
        self.vertices.len() - 1
    }

    /// Appends `inputs` of `op` for the outputs given, deduplicating equal inputs, and
    /// returns the input index of each.
    pub fn add_inputs(&self, op: &mut Op, outs: &[OutRef]) -> Vec<i64> {
        outs.iter()
            .map(|o| {
                let inp = self.input(*o);
                match op.inputs.iter().position(|i| *i == inp) {
                    Some(p) => p as i64,
                    None => {
                        op.inputs.push(inp);
                        (op.inputs.len() - 1) as i64
                    }
                }
            })
            .collect()
    }

    /// Walks the graph from `output` (inputs first, each vertex once) and builds the
    /// Definition, with the terminal op when there is an output.
    pub fn marshal(&self, output: Option<OutRef>) -> Definition {
        let mut builder = DefinitionBuilder::new();
        let Some(out) = output else {
            return builder.finish(None);
        };
        let mut seen = HashSet::new();
        // Iterative post-order DFS: (vertex, next dep index).
        let mut stack = vec![(out.vertex, 0usize)];
        while let Some((v, i)) = stack.pop() {
            if i == 0 && seen.contains(&v) {
                continue;
            }
            let deps = &self.vertices[v].deps;
            if i < deps.len() {
                stack.push((v, i + 1));
                if !seen.contains(&deps[i]) {
                    stack.push((deps[i], 0));
                }
                continue;
            }
            if seen.insert(v) {
                let vx = &self.vertices[v];
                builder.push_bytes(vx.bytes.clone(), Some(&vx.metadata));
            }
        }
        let d = self.vertices[out.vertex].digest;
        builder.finish(Some((d, out.index)))
    }
}
