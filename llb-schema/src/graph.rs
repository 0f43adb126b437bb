//! Validation of a Definition as a graph: [`ValidatedDefinition`] and [`Graph`].
//!
//! Rules (BuildKit's `llbsolver.Load` plus what its marshaller guarantees):
//! every op decodes; no op occurs twice; every input digest is well formed,
//! has an output index >= 0 and names an op of the definition; the last op
//! is the terminal op (no operation, no platform or constraints, exactly one
//! input); no other op lacks an operation; the inputs form no cycle; every op
//! is reachable from the terminal op (one result only); metadata and
//! source-location keys name ops of the definition. Zero ops is valid: it is
//! BuildKit's empty definition (a scratch result), provided nothing else
//! (metadata, source locations) refers to ops.
//!
//! It does not check op contents (mount indexes, file action indexes,
//! attribute values): that is the lowering's and BuildKit's solver's job.

use std::collections::HashMap;

use crate::definition::{decode_definition, decode_op};
use crate::digest::{digest, Digest};
use crate::error::SchemaError;
use crate::pb::{Definition, Op, OpMetadata};

/// One vertex of a [`Graph`].
#[derive(Debug, Clone, PartialEq)]
pub struct OpNode {
    /// Digest of the op's exact bytes.
    pub digest: Digest,
    /// The decoded op.
    pub op: Op,
    /// Parsed `op.inputs[i].digest`, in order.
    pub inputs: Vec<Digest>,
}

impl OpNode {
    /// Whether the op carries no operation (the terminal op's shape).
    pub fn is_terminal_shaped(&self) -> bool {
        self.op.op.is_none()
    }
}

/// A validated LLB graph: ops in definition order, the last one terminal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    nodes: Vec<OpNode>,
    index: HashMap<Digest, usize>,
    /// Node positions, every op after all of its inputs.
    topo: Vec<usize>,
}

impl Graph {
    /// Validates ops whose digests the caller already knows (for example ops
    /// marshalled elsewhere). The digests are trusted, not recomputed: use
    /// [`ValidatedDefinition`] for bytes. Ops are in definition order, the
    /// terminal op last.
    pub fn from_digested_ops(ops: Vec<(Digest, Op)>) -> Result<Graph, SchemaError> {
        let mut nodes = Vec::with_capacity(ops.len());
        for (d, op) in ops {
            let mut inputs = Vec::with_capacity(op.inputs.len());
            for (i, input) in op.inputs.iter().enumerate() {
                let parsed: Digest =
                    input
                        .digest
                        .parse()
                        .map_err(|source| SchemaError::InvalidInputDigest {
                            op: d,
                            input_index: i,
                            source,
                        })?;
                if input.index < 0 {
                    return Err(SchemaError::NegativeOutputIndex {
                        op: d,
                        input_index: i,
                        input: parsed,
                        output: input.index,
                    });
                }
                inputs.push(parsed);
            }
            nodes.push(OpNode {
                digest: d,
                op,
                inputs,
            });
        }
        Self::from_nodes(nodes)
    }

    fn from_nodes(nodes: Vec<OpNode>) -> Result<Graph, SchemaError> {
        let mut index = HashMap::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            if let Some(first) = index.insert(n.digest, i) {
                return Err(SchemaError::DuplicateOp {
                    digest: n.digest,
                    first,
                    second: i,
                });
            }
        }
        for n in &nodes {
            if let Some(missing) = n.inputs.iter().find(|d| !index.contains_key(d)) {
                return Err(SchemaError::MissingInput {
                    op: n.digest,
                    input: *missing,
                });
            }
        }
        let Some((last, rest)) = nodes.split_last() else {
            return Ok(Graph::default());
        };
        let reason = if last.op.op.is_some() {
            Some("has an operation (exec/source/file/...)")
        } else if last.op.inputs.len() != 1 {
            Some(if last.op.inputs.is_empty() {
                "has no input"
            } else {
                "has more than one input"
            })
        } else if last.op.platform.is_some() || last.op.constraints.is_some() {
            Some("has a platform or constraints")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(SchemaError::NoTerminal {
                last: last.digest,
                reason,
            });
        }
        if let Some((i, n)) = rest
            .iter()
            .enumerate()
            .find(|(_, n)| n.is_terminal_shaped())
        {
            return Err(SchemaError::ExtraTerminal {
                op: n.digest,
                index: i,
            });
        }
        let topo = topological_order(&nodes, &index)?;
        let reached = reachable_from(nodes.len() - 1, &nodes, &index);
        if let Some(i) = reached.iter().position(|r| !r) {
            return Err(SchemaError::Unreachable {
                op: nodes[i].digest,
                index: i,
            });
        }
        Ok(Graph { nodes, index, topo })
    }

    /// Whether the graph has no ops (BuildKit's empty definition).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Number of ops, terminal included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Ops in definition order (terminal last).
    pub fn nodes(&self) -> &[OpNode] {
        &self.nodes
    }

    /// The op with this digest.
    pub fn get(&self, d: &Digest) -> Option<&OpNode> {
        self.index.get(d).map(|&i| &self.nodes[i])
    }

    /// Position of the op in definition order.
    pub fn position(&self, d: &Digest) -> Option<usize> {
        self.index.get(d).copied()
    }

    /// The terminal op, `None` for the empty graph.
    pub fn terminal(&self) -> Option<&OpNode> {
        self.nodes.last()
    }

    /// The result: the terminal op's input (op digest and output index).
    pub fn output(&self) -> Option<(Digest, i64)> {
        let t = self.terminal()?;
        Some((*t.inputs.first()?, t.op.inputs.first()?.index))
    }

    /// Ops ordered so that each comes after all of its inputs.
    pub fn topological(&self) -> impl Iterator<Item = &OpNode> {
        self.topo.iter().map(|&i| &self.nodes[i])
    }
}

/// Depth-first topological sort; reports the first cycle found.
fn topological_order(
    nodes: &[OpNode],
    index: &HashMap<Digest, usize>,
) -> Result<Vec<usize>, SchemaError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; nodes.len()];
    let mut order = Vec::with_capacity(nodes.len());
    for start in 0..nodes.len() {
        if mark[start] != Mark::New {
            continue;
        }
        // Stack of (node, next input to visit).
        let mut stack = vec![(start, 0usize)];
        mark[start] = Mark::Open;
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if let Some(input) = nodes[n].inputs.get(*next) {
                *next += 1;
                let Some(&m) = index.get(input) else { continue };
                match mark[m] {
                    Mark::Done => {}
                    Mark::New => {
                        mark[m] = Mark::Open;
                        stack.push((m, 0));
                    }
                    Mark::Open => {
                        // m is on the stack: the cycle is m .. n, then m again.
                        let from = stack.iter().position(|&(s, _)| s == m).unwrap_or(0);
                        let mut path: Vec<Digest> = stack[from..]
                            .iter()
                            .map(|&(s, _)| nodes[s].digest)
                            .collect();
                        path.push(nodes[m].digest);
                        // Stack order is "uses"; report "is an input of" order.
                        path.reverse();
                        return Err(SchemaError::Cycle { path });
                    }
                }
            } else {
                mark[n] = Mark::Done;
                order.push(n);
                stack.pop();
            }
        }
    }
    Ok(order)
}

fn reachable_from(root: usize, nodes: &[OpNode], index: &HashMap<Digest, usize>) -> Vec<bool> {
    let mut seen = vec![false; nodes.len()];
    let mut todo = vec![root];
    seen[root] = true;
    while let Some(n) = todo.pop() {
        for input in &nodes[n].inputs {
            if let Some(&m) = index.get(input) {
                if !seen[m] {
                    seen[m] = true;
                    todo.push(m);
                }
            }
        }
    }
    seen
}

/// A Definition that passed every check of this module, with its graph.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedDefinition {
    def: Definition,
    graph: Graph,
}

impl ValidatedDefinition {
    /// Decodes and validates Definition bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SchemaError> {
        Self::new(decode_definition(bytes)?)
    }

    /// Validates a decoded Definition: decodes every op, digests its exact
    /// bytes and checks the graph rules of this module.
    pub fn new(def: Definition) -> Result<Self, SchemaError> {
        let mut nodes = Vec::with_capacity(def.def.len());
        for (i, bytes) in def.def.iter().enumerate() {
            let op = decode_op(bytes, i)?;
            nodes.push((digest(bytes), op));
        }
        let graph = Graph::from_digested_ops(nodes)?;
        let known = |key: &str| key.parse::<Digest>().is_ok_and(|d| graph.get(&d).is_some());
        if let Some(key) = def.metadata.keys().find(|k| !known(k)) {
            return Err(SchemaError::OrphanKey {
                place: "Definition.metadata",
                key: key.clone(),
            });
        }
        if let Some(source) = &def.source {
            if let Some(key) = source.locations.keys().find(|k| !known(k)) {
                return Err(SchemaError::OrphanKey {
                    place: "Definition.Source.locations",
                    key: key.clone(),
                });
            }
        }
        Ok(ValidatedDefinition { def, graph })
    }

    /// The definition as given.
    pub fn definition(&self) -> &Definition {
        &self.def
    }

    /// Gives the definition back.
    pub fn into_definition(self) -> Definition {
        self.def
    }

    /// The validated graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Metadata of an op, if the definition has an entry for it.
    pub fn metadata(&self, d: &Digest) -> Option<&OpMetadata> {
        self.def.metadata.get(&d.to_string())
    }

    /// Whether this is BuildKit's empty definition (no ops).
    pub fn is_empty(&self) -> bool {
        self.graph.is_empty()
    }
}
