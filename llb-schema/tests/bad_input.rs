//! Malformed definitions give specific errors and never panic.

use std::collections::BTreeMap;

use llb_schema::pb::{self, op};
use llb_schema::{
    decode_definition, digest, dump_json_lines, encode_definition, encode_op, DefinitionBuilder,
    Digest, Graph, SchemaError, ValidatedDefinition,
};
use proptest::prelude::*;

fn image(name: &str) -> pb::Op {
    pb::Op {
        op: Some(op::Op::Source(pb::SourceOp {
            identifier: format!("docker-image://docker.io/library/{name}"),
            attrs: BTreeMap::new(),
        })),
        platform: Some(pb::Platform {
            architecture: "amd64".into(),
            os: "linux".into(),
            ..Default::default()
        }),
        constraints: Some(pb::WorkerConstraints::default()),
        ..Default::default()
    }
}

fn input(d: Digest) -> pb::Input {
    pb::Input {
        digest: d.to_string(),
        index: 0,
    }
}

fn run(inputs: Vec<Digest>, args: &[&str]) -> pb::Op {
    pb::Op {
        inputs: inputs.into_iter().map(input).collect(),
        op: Some(op::Op::Exec(pb::ExecOp {
            meta: Some(pb::Meta {
                args: args.iter().map(|s| s.to_string()).collect(),
                cwd: "/".into(),
                ..Default::default()
            }),
            mounts: vec![pb::Mount {
                dest: "/".into(),
                ..Default::default()
            }],
            ..Default::default()
        })),
        constraints: Some(pb::WorkerConstraints::default()),
        ..Default::default()
    }
}

fn terminal(d: Digest) -> pb::Op {
    pb::Op {
        inputs: vec![input(d)],
        ..Default::default()
    }
}

fn metadata(name: &str) -> pb::OpMetadata {
    pb::OpMetadata {
        description: BTreeMap::from([("llb.customname".to_string(), name.to_string())]),
        ..Default::default()
    }
}

/// A small valid definition: image -> run, with metadata and a terminal.
fn valid_bytes() -> Vec<u8> {
    let mut b = DefinitionBuilder::new();
    let base = b.push(&image("alpine:3"), Some(&metadata("FROM alpine")));
    let step = b.push(
        &run(vec![base], &["/bin/sh", "-c", "echo <hi> & bye"]),
        Some(&metadata("RUN")),
    );
    encode_definition(&b.finish(Some((step, 0))))
}

fn def_of(ops: &[pb::Op]) -> pb::Definition {
    pb::Definition {
        def: ops.iter().map(encode_op).collect(),
        ..Default::default()
    }
}

#[test]
fn valid_definition_validates_and_dumps() {
    let bytes = valid_bytes();
    let v = ValidatedDefinition::from_bytes(&bytes).expect("valid");
    assert_eq!(v.graph().len(), 3);
    let (out, idx) = v.graph().output().expect("has a result");
    assert_eq!(idx, 0);
    assert_eq!(v.graph().position(&out), Some(1));
    let order: Vec<usize> = v
        .graph()
        .topological()
        .filter_map(|n| v.graph().position(&n.digest))
        .collect();
    assert_eq!(order, [0, 1, 2]);
    let dump = dump_json_lines(v.definition()).expect("dump");
    assert_eq!(dump.lines().count(), 3);
    assert!(
        dump.contains(r#""echo \u003chi\u003e \u0026 bye""#),
        "{dump}"
    );
    let last = dump.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(
            r#""OpMetadata":{"caps":{"constraints":true,"meta.description":true,"platform":true}}}"#
        ),
        "{last}"
    );
}

#[test]
fn truncated_bytes_are_reported_as_truncated() {
    let bytes = valid_bytes();
    let mut truncated = 0;
    for cut in 1..bytes.len() {
        // Cuts at a field boundary decode; dropping def entries or metadata
        // then gives another specific error, or a smaller valid definition
        // (when only trailing metadata is cut).
        if let Err(SchemaError::Truncated {
            offset, available, ..
        }) = ValidatedDefinition::from_bytes(&bytes[..cut])
        {
            assert!(offset <= cut && available <= cut);
            truncated += 1;
        }
    }
    assert!(
        truncated > bytes.len() / 2,
        "{truncated} of {} cuts",
        bytes.len()
    );
    let cut = &bytes[..bytes.len() - 1];
    let err = decode_definition(cut).expect_err("cut short");
    assert!(matches!(err, SchemaError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("truncated"));
}

#[test]
fn garbage_is_a_decode_error() {
    for garbage in [
        &b"{\"Op\":{}}\n"[..],
        &[0xff; 16][..],
        &[0x0f, 0x00][..],
        b"\x0a\x02\xff\xff\x12\x01",
    ] {
        match ValidatedDefinition::from_bytes(garbage) {
            Err(SchemaError::Decode { .. } | SchemaError::Truncated { .. }) => {}
            other => panic!("{garbage:?}: {other:?}"),
        }
    }
    // Framing fine, but an op is not a pb.Op.
    let def = pb::Definition {
        def: vec![vec![0x0a, 0x05, 0xff]],
        ..Default::default()
    };
    assert!(matches!(
        ValidatedDefinition::new(def),
        Err(SchemaError::DecodeOp { index: 0, .. })
    ));
}

#[test]
fn dangling_input_names_op_and_input() {
    let missing = digest(b"not an op");
    let r = run(vec![missing], &["true"]);
    let rd = digest(&encode_op(&r));
    let def = def_of(&[r, terminal(rd)]);
    match ValidatedDefinition::new(def) {
        Err(SchemaError::MissingInput { op, input }) => {
            assert_eq!(op, rd);
            assert_eq!(input, missing);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cycle_is_reported_with_its_path() {
    // Content digests cannot form a cycle (that would need a SHA-256
    // preimage), so the cycle is built with hand-assigned digests.
    let (a, b, t) = (digest(b"a"), digest(b"b"), digest(b"t"));
    let ops = vec![
        (a, run(vec![b], &["a"])),
        (b, run(vec![a], &["b"])),
        (t, terminal(a)),
    ];
    match Graph::from_digested_ops(ops) {
        Err(SchemaError::Cycle { path }) => {
            assert_eq!(path.first(), path.last());
            assert!(path.contains(&a) && path.contains(&b), "{path:?}");
            assert_eq!(path.len(), 3);
        }
        other => panic!("{other:?}"),
    }
    let self_loop = vec![(a, run(vec![a], &["a"])), (t, terminal(a))];
    assert!(matches!(
        Graph::from_digested_ops(self_loop),
        Err(SchemaError::Cycle { path }) if path == [a, a]
    ));
}

#[test]
fn no_ops() {
    // BuildKit's empty definition: valid, empty graph, empty dump.
    let v = ValidatedDefinition::from_bytes(&[]).expect("empty definition is valid");
    assert!(v.is_empty() && v.graph().terminal().is_none() && v.graph().output().is_none());
    assert_eq!(dump_json_lines(v.definition()).ok().as_deref(), Some(""));
    // No ops, but metadata for one: the metadata refers to nothing.
    let def = pb::Definition {
        metadata: BTreeMap::from([(digest(b"x").to_string(), pb::OpMetadata::default())]),
        ..Default::default()
    };
    assert!(matches!(
        ValidatedDefinition::new(def),
        Err(SchemaError::OrphanKey {
            place: "Definition.metadata",
            ..
        })
    ));
    // Ops, but no terminal op at the end.
    let base = image("alpine");
    let bd = digest(&encode_op(&base));
    let def = def_of(&[base.clone(), run(vec![bd], &["x"])]);
    assert!(matches!(
        ValidatedDefinition::new(def),
        Err(SchemaError::NoTerminal { reason, .. }) if reason.contains("operation")
    ));
    let def = def_of(std::slice::from_ref(&base));
    assert!(matches!(
        ValidatedDefinition::new(def),
        Err(SchemaError::NoTerminal { .. })
    ));
    // A lone empty op: terminal-shaped but without input.
    let def = def_of(&[pb::Op::default()]);
    assert!(matches!(
        ValidatedDefinition::new(def),
        Err(SchemaError::NoTerminal {
            reason: "has no input",
            ..
        })
    ));
}

#[test]
fn other_structural_errors() {
    let base = image("alpine");
    let bd = digest(&encode_op(&base));
    // Duplicate op.
    let def = def_of(&[base.clone(), base.clone(), terminal(bd)]);
    assert!(matches!(
        ValidatedDefinition::new(def),
        Err(SchemaError::DuplicateOp {
            first: 0,
            second: 1,
            ..
        })
    ));
    // Negative output index.
    let mut t = terminal(bd);
    t.inputs[0].index = -1;
    assert!(matches!(
        ValidatedDefinition::new(def_of(&[base.clone(), t])),
        Err(SchemaError::NegativeOutputIndex { output: -1, .. })
    ));
    // Malformed digest.
    let mut t = terminal(bd);
    t.inputs[0].digest = "sha256:XYZ".into();
    assert!(matches!(
        ValidatedDefinition::new(def_of(&[base.clone(), t])),
        Err(SchemaError::InvalidInputDigest { input_index: 0, .. })
    ));
    // A second, unreachable result.
    let other = image("busybox");
    assert!(matches!(
        ValidatedDefinition::new(def_of(&[base.clone(), other, terminal(bd)])),
        Err(SchemaError::Unreachable { index: 1, .. })
    ));
    // An empty op that is not last.
    let empty = terminal(bd);
    let ed = digest(&encode_op(&empty));
    assert!(matches!(
        ValidatedDefinition::new(def_of(&[base.clone(), empty, terminal(ed)])),
        Err(SchemaError::ExtraTerminal { index: 1, .. })
    ));
    // Terminal with two inputs.
    let mut t = terminal(bd);
    t.inputs.push(input(bd));
    assert!(matches!(
        ValidatedDefinition::new(def_of(&[base.clone(), t])),
        Err(SchemaError::NoTerminal {
            reason: "has more than one input",
            ..
        })
    ));
    // Source location for an unknown op.
    let mut def = def_of(&[base, terminal(bd)]);
    def.source = Some(pb::Source {
        locations: BTreeMap::from([("bogus".to_string(), pb::Locations::default())]),
        infos: vec![],
    });
    let err = ValidatedDefinition::new(def).expect_err("orphan location");
    assert!(err.to_string().contains("Source.locations"), "{err}");
}

fn check_never_panics(bytes: &[u8]) {
    let _ = ValidatedDefinition::from_bytes(bytes);
    if let Ok(def) = decode_definition(bytes) {
        let _ = dump_json_lines(&def);
        let _ = encode_definition(&def);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        check_never_panics(&bytes);
    }

    #[test]
    fn mutated_definitions_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8)
    ) {
        let mut bytes = valid_bytes();
        for (at, byte, kind) in edits {
            let at = at % (bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => { bytes.remove(at); }
                _ => bytes.push(byte),
            }
        }
        check_never_panics(&bytes);
    }
}
