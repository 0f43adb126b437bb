//! [`DefinitionBuilder`] rebuilds every golden definition byte for byte:
//! ops pushed in order with their metadata, then the terminal op with
//! BuildKit's terminal caps, then the source map.

mod common;

use llb_schema::{
    decode_definition, decode_op, digest, encode_definition, DefinitionBuilder, Digest,
    ValidatedDefinition,
};

#[test]
fn builder_reproduces_every_reference_definition() {
    let Some(fidelity) = common::fidelity_dir() else {
        return;
    };
    let cases = common::reference_cases(&fidelity);
    let mut failures = Vec::new();
    for dir in &cases {
        let Ok(llb) = std::fs::read(dir.join("reference.llb")) else {
            failures.push(format!("{}: unreadable", dir.display()));
            continue;
        };
        let def = match decode_definition(&llb) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        let mut b = DefinitionBuilder::new();
        let mut output = None;
        let n = def.def.len();
        for (i, bytes) in def.def.iter().enumerate() {
            let Ok(op) = decode_op(bytes, i) else {
                failures.push(format!("{}: op {i} does not decode", dir.display()));
                break;
            };
            if i + 1 == n {
                let input = &op.inputs[0];
                let d: Digest = input.digest.parse().expect("reference digests parse");
                output = Some((d, input.index));
            } else {
                let md = def.metadata.get(&digest(bytes).to_string());
                let got = b.push(&op, md);
                assert_eq!(got, digest(bytes));
            }
        }
        b.set_source(def.source.clone());
        let rebuilt = b.finish(output);
        if encode_definition(&rebuilt) != llb {
            failures.push(format!("{}: rebuilt definition differs", dir.display()));
        }
    }
    eprintln!(
        "builder: {} of {} reference definitions rebuilt byte-exact",
        cases.len() - failures.len(),
        cases.len()
    );
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    assert!(failures.is_empty());
}

#[test]
fn empty_builder_is_buildkits_empty_definition() {
    let def = DefinitionBuilder::new().finish(None);
    assert!(encode_definition(&def).is_empty());
    assert!(ValidatedDefinition::new(def)
        .expect("empty is valid")
        .is_empty());
}
