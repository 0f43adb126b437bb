//! Property test: mutated corpus Dockerfiles never make the typed layer panic; every
//! error span lies in the text; built files serialise; mounts resolve without panicking.
//!
//! Runs `PROPTEST_CASES` cases (256 by default); needs `../shared` (skips without it).

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use dfc::ast::{self, Instruction};

fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files = Vec::new();
        let Some(root) = common::shared("fidelity") else {
            return files;
        };
        for set in ["dev", "buildkit"] {
            let Ok(entries) = std::fs::read_dir(root.join(set)) else {
                continue;
            };
            for e in entries.flatten() {
                if let Ok(b) = std::fs::read(e.path().join("Dockerfile")) {
                    files.push(b);
                }
            }
        }
        files.sort();
        files
    })
}

/// Fragments aimed at the typed layer's checks.
const FRAGMENTS: &[&str] = &[
    "--mount=from=$x,type=cache ",
    "--mount=\"a\"\"b\",ro ",
    "--network=",
    "--security=insecure ",
    "--device=a,name=b ",
    "--link=maybe ",
    "--chmod ",
    "HEALTHCHECK --interval=1ns --retries=-1 CMD x\n",
    "HEALTHCHECK NONE x\n",
    "ONBUILD ONBUILD ",
    "ONBUILD ",
    "FROM a AS 1\n",
    "FROM a AS\n",
    "COPY <<EOF\n",
    " <<-EOF\n\tx\nEOF\n",
    "SHELL sh\n",
    "VOLUME [\" \"]\n",
    "ENV =x\n",
    "ARG =y\n",
    "\u{130}",
    "ß",
];

fn mutate(base: &[u8], edits: &[(usize, u8, usize)]) -> Vec<u8> {
    let mut b = base.to_vec();
    for &(at, kind, pick) in edits {
        let at = at % (b.len() + 1);
        match kind % 3 {
            0 if at < b.len() => b[at] = (pick % 256) as u8,
            1 => b.truncate(at),
            _ => {
                let text = FRAGMENTS[pick % FRAGMENTS.len()];
                b.splice(at..at, text.bytes());
            }
        }
    }
    b
}

fn exercise(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let parsed = dfc::syntax::parse(&text);
    let (df, errors) = ast::build(&parsed.file);
    let index = dfc::syntax::LineIndex::new(&text);
    for e in &errors {
        for s in [e.span(), e.node_span()] {
            assert!(
                s.start <= s.end && s.end as usize <= text.len(),
                "error span {s:?} outside the text: {e}"
            );
        }
        assert!(!e.buildkit_message(&index).is_empty());
    }
    assert!(serde_json::to_string(&df).is_ok());
    for stage in &df.stages {
        for i in &stage.instructions {
            if let Instruction::Run(run) = i {
                for m in &run.mounts {
                    let mut identity = |s: &str| Ok::<_, String>(s.to_string());
                    let _ = m.resolve(&mut identity);
                }
            }
        }
    }
}

#[test]
fn mutated_dockerfiles_never_panic_the_typed_layer() {
    let corpus = corpus();
    if corpus.is_empty() {
        return;
    }
    let mut runner = TestRunner::new(Config::default());
    let strategy = (
        any::<usize>(),
        prop::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..6),
    );
    let result = runner.run(&strategy, |(base, edits)| {
        exercise(&mutate(&corpus[base % corpus.len()], &edits));
        Ok(())
    });
    assert!(result.is_ok(), "{result:?}");
}
