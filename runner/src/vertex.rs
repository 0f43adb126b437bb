//! A [`Vertex`]: one op of a validated graph as the solver schedules it, with
//! its inputs as vertex positions, its display name, its output count and
//! its cache flags. Built once per solve from the graph; never mutated.

use llb_schema::pb::{op, OpMetadata};
use llb_schema::{Digest, ValidatedDefinition};

/// What a vertex does.
#[derive(Debug, Clone, PartialEq)]
pub enum VertexKind {
    /// A source op.
    Source(llb_schema::pb::SourceOp),
    /// A file op.
    File(llb_schema::pb::FileOp),
    /// An exec op.
    Exec(Box<llb_schema::pb::ExecOp>),
    /// A merge op.
    Merge(llb_schema::pb::MergeOp),
    /// A diff op.
    Diff(llb_schema::pb::DiffOp),
    /// An op the runner does not execute (build, passthrough).
    Other(&'static str),
}

/// One op to solve.
#[derive(Debug, Clone, PartialEq)]
pub struct Vertex {
    /// Digest of the op bytes.
    pub digest: Digest,
    /// What it does.
    pub kind: VertexKind,
    /// Inputs: (position of the input vertex, its output index).
    pub inputs: Vec<(usize, i64)>,
    /// How many outputs it has.
    pub outputs: usize,
    /// `llb.customname` or a summary of the op.
    pub name: String,
    /// The metadata's `ignore_cache`.
    pub ignore_cache: bool,
    /// The metadata's description (in-band data such as `dfc.*` keys).
    pub metadata: OpMetadata,
    /// The op's platform, if set.
    pub platform: Option<llb_schema::pb::Platform>,
}

/// The solver's view of a graph: vertices in definition order, the terminal
/// op excluded; `result` names the output that is the build's result.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The ops.
    pub vertices: Vec<Vertex>,
    /// The result (vertex position and output index), `None` for scratch.
    pub result: Option<(usize, i64)>,
}

impl Plan {
    /// Builds the plan of a validated definition.
    pub fn new(def: &ValidatedDefinition) -> Plan {
        let graph = def.graph();
        let nodes = graph.nodes();
        let body = nodes.len().saturating_sub(1);
        let mut vertices = Vec::with_capacity(body);
        for node in &nodes[..body] {
            let inputs = node
                .op
                .inputs
                .iter()
                .zip(&node.inputs)
                .map(|(i, d)| (graph.position(d).unwrap_or(0), i.index))
                .collect();
            let (kind, outputs) = match &node.op.op {
                Some(op::Op::Source(s)) => (VertexKind::Source(s.clone()), 1),
                Some(op::Op::File(f)) => {
                    let n = f.actions.iter().map(|a| a.output + 1).max().unwrap_or(0);
                    (VertexKind::File(f.clone()), n.max(0) as usize)
                }
                Some(op::Op::Exec(e)) => {
                    let n = e.mounts.iter().map(|m| m.output + 1).max().unwrap_or(0);
                    (VertexKind::Exec(Box::new(e.clone())), n.max(0) as usize)
                }
                Some(op::Op::Merge(m)) => (VertexKind::Merge(m.clone()), 1),
                Some(op::Op::Diff(d)) => (VertexKind::Diff(*d), 1),
                Some(op::Op::Build(_)) => (VertexKind::Other("build"), 0),
                Some(op::Op::Passthrough(_)) => (VertexKind::Other("passthrough"), 0),
                None => (VertexKind::Other("empty"), 0),
            };
            let metadata = def.metadata(&node.digest).cloned().unwrap_or_default();
            let name = metadata
                .description
                .get("llb.customname")
                .cloned()
                .unwrap_or_else(|| summary(&kind));
            vertices.push(Vertex {
                digest: node.digest,
                kind,
                inputs,
                outputs,
                name,
                ignore_cache: metadata.ignore_cache,
                metadata,
                platform: node.op.platform.clone(),
            });
        }
        let result = graph
            .output()
            .and_then(|(d, i)| Some((graph.position(&d)?, i)));
        Plan { vertices, result }
    }
}

fn summary(kind: &VertexKind) -> String {
    match kind {
        VertexKind::Source(s) => s.identifier.clone(),
        VertexKind::File(f) => {
            use llb_schema::pb::file_action::Action;
            let parts: Vec<String> = f
                .actions
                .iter()
                .map(|a| match &a.action {
                    Some(Action::Copy(c)) => format!("copy {} {}", c.src, c.dest),
                    Some(Action::Mkfile(m)) => format!("mkfile {}", m.path),
                    Some(Action::Mkdir(m)) => format!("mkdir {}", m.path),
                    Some(Action::Rm(r)) => format!("rm {}", r.path),
                    Some(Action::Symlink(s)) => format!("symlink {} -> {}", s.newpath, s.oldpath),
                    None => "noop".to_string(),
                })
                .collect();
            parts.join(", ")
        }
        VertexKind::Exec(e) => e
            .meta
            .as_ref()
            .map(|m| m.args.join(" "))
            .unwrap_or_else(|| "exec".to_string()),
        VertexKind::Merge(_) => "merge".to_string(),
        VertexKind::Diff(_) => "diff".to_string(),
        VertexKind::Other(what) => what.to_string(),
    }
}
