//! Round-trips every golden `reference.llb` of the shared fidelity corpus:
//! op bytes and Definition bytes re-encode identically, metadata keys are
//! our digests, the graph validates, and dump-llb JSON matches
//! `reference.jsonl` byte for byte.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use llb_schema::{
    decode_definition, decode_op, digest, dump_json_lines, encode_definition, encode_op,
    ValidatedDefinition,
};

/// Checks one case; returns the first problem found.
fn check_case(dir: &Path, stats: &mut Stats) -> Result<(), String> {
    let llb = std::fs::read(dir.join("reference.llb")).map_err(|e| format!("read llb: {e}"))?;
    let jsonl = std::fs::read_to_string(dir.join("reference.jsonl"))
        .map_err(|e| format!("read jsonl: {e}"))?;
    let def = decode_definition(&llb).map_err(|e| format!("decode: {e}"))?;

    let mut ours = BTreeSet::new();
    for (i, bytes) in def.def.iter().enumerate() {
        let op = decode_op(bytes, i).map_err(|e| e.to_string())?;
        let again = encode_op(&op);
        if &again != bytes {
            return Err(format!(
                "op #{i} re-encodes differently ({} bytes vs {})",
                again.len(),
                bytes.len()
            ));
        }
        stats.ops += 1;
        ours.insert(digest(bytes).to_string());
    }
    let keys: BTreeSet<String> = def.metadata.keys().cloned().collect();
    if keys != ours {
        return Err(format!(
            "metadata keys differ from op digests: only in metadata {:?}, only in ops {:?}",
            keys.difference(&ours).collect::<Vec<_>>(),
            ours.difference(&keys).collect::<Vec<_>>()
        ));
    }

    if encode_definition(&def) != llb {
        return Err("Definition re-encodes differently".into());
    }
    stats.defs_exact += 1;

    let v = ValidatedDefinition::new(def).map_err(|e| format!("validate: {e}"))?;
    if v.is_empty() {
        stats.empty += 1;
    }

    let dump = dump_json_lines(v.definition()).map_err(|e| format!("dump: {e}"))?;
    if dump != jsonl {
        let line = dump
            .lines()
            .zip(jsonl.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| dump.lines().count().min(jsonl.lines().count()));
        return Err(format!(
            "dump-llb JSON differs at line {}:\n  ours: {}\n  ref:  {}",
            line + 1,
            dump.lines().nth(line).unwrap_or("<none>"),
            jsonl.lines().nth(line).unwrap_or("<none>")
        ));
    }
    stats.json_exact += 1;
    Ok(())
}

#[derive(Default)]
struct Stats {
    ops: usize,
    defs_exact: usize,
    json_exact: usize,
    empty: usize,
}

#[test]
fn every_reference_llb_round_trips() {
    let Some(fidelity) = common::fidelity_dir() else {
        return;
    };
    let cases = common::reference_cases(&fidelity);
    assert!(
        !cases.is_empty(),
        "no reference.llb under {}",
        fidelity.display()
    );
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    for dir in &cases {
        if let Err(e) = check_case(dir, &mut stats) {
            failures.push(format!("{}: {e}", dir.display()));
        }
    }
    eprintln!(
        "fidelity: {} reference.llb files, {} ops re-encoded byte-exact, {} definitions \
         re-encoded byte-exact, {} validated (of which {} empty) with dump-llb JSON identical, \
         {} failures",
        cases.len(),
        stats.ops,
        stats.defs_exact,
        stats.json_exact,
        stats.empty,
        failures.len()
    );
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed",
        failures.len(),
        cases.len()
    );
}
