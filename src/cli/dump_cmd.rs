//! `dfc dump`: a `pb.Definition` as `buildctl debug dump-llb` JSON lines, or as a
//! Graphviz picture of the build graph with readable step names.

use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use llb_schema::pb::op;
use llb_schema::{Digest, ValidatedDefinition};

use super::{emit, Status};

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The Definition file, or - for standard input.
    #[arg(default_value = "-")]
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// `buildctl debug dump-llb` JSON lines.
    Json,
    /// Graphviz `dot`.
    Dot,
}

pub fn run(args: DumpArgs) -> Status {
    let bytes = if args.file.as_os_str() == "-" {
        let mut b = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut b) {
            eprintln!("error: cannot read standard input: {e}");
            return Status::Failure;
        }
        b
    } else {
        match std::fs::read(&args.file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", args.file.display());
                return Status::Failure;
            }
        }
    };
    let def = match ValidatedDefinition::from_bytes(&bytes) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::Failure;
        }
    };
    match args.format {
        Format::Json => match llb_schema::dump_json_lines(def.definition()) {
            Ok(s) => emit(&s),
            Err(e) => {
                eprintln!("error: {e}");
                Status::Failure
            }
        },
        Format::Dot => emit(&dot(&def)),
    }
}

fn label(def: &ValidatedDefinition, d: &Digest, kind: &str) -> String {
    let name = def
        .metadata(d)
        .and_then(|m| m.description.get("llb.customname").cloned())
        .unwrap_or_else(|| kind.to_string());
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(def: &ValidatedDefinition) -> String {
    let mut out =
        String::from("digraph llb {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n");
    for node in def.graph().topological() {
        let kind = match &node.op.op {
            Some(op::Op::Exec(_)) => "exec",
            Some(op::Op::Source(s)) => s.identifier.as_str(),
            Some(op::Op::File(_)) => "file",
            Some(op::Op::Merge(_)) => "merge",
            Some(op::Op::Diff(_)) => "diff",
            Some(op::Op::Build(_)) => "build",
            Some(op::Op::Passthrough(_)) => "passthrough",
            None => "result",
        };
        let id = node.digest.hex();
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\"];",
            &id[..12],
            label(def, &node.digest, kind)
        );
        for input in &node.inputs {
            let _ = writeln!(out, "  \"{}\" -> \"{}\";", &input.hex()[..12], &id[..12]);
        }
    }
    out.push_str("}\n");
    out
}
