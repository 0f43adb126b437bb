//! Property test: mutated corpus Dockerfiles (byte flips, truncations, splices) never make
//! the parser panic, and whatever parses can be dumped and serialised.
//!
//! `cargo test --test fuzz_parse` runs `PROPTEST_CASES` cases (256 by default in
//! `tools/test`); `cargo test --release --test fuzz_parse -- --ignored` runs 100,000.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Every Dockerfile of the shared corpus, plus our own fixtures.
fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures"
        ))];
        if let Some(shared) = common::shared_dir() {
            dirs.push(shared.join("fidelity"));
            dirs.push(shared.join("corpus/buildkit-parser"));
        }
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().contains("Dockerfile"))
                {
                    if let Ok(b) = std::fs::read(&p) {
                        files.push(b);
                    }
                }
            }
        }
        files.sort();
        files
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        byte: u8,
    },
    Truncate {
        at: usize,
    },
    Splice {
        from: usize,
        at: usize,
        len: usize,
        to: usize,
    },
    Insert {
        at: usize,
        text: &'static str,
    },
}

/// Fragments that exercise the parser's special cases when inserted anywhere.
const FRAGMENTS: &[&str] = &[
    "\\\n",
    "`\n",
    "<<EOF\n",
    "<<-\"E\"\n",
    "\nEOF\n",
    "\r\n",
    "#",
    "# escape=`\n",
    "[\"a\", 1]",
    "--mount=type=cache",
    "${a:-b}",
    "\"",
    "'",
    "\u{feff}",
    "\u{a0}",
    "ONBUILD ",
    "\n\n",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<usize>(), 0usize..200, any::<usize>())
            .prop_map(|(from, at, len, to)| Mutation::Splice { from, at, len, to }),
        (any::<usize>(), prop::sample::select(FRAGMENTS))
            .prop_map(|(at, text)| Mutation::Insert { at, text }),
    ]
}

fn apply(corpus: &[Vec<u8>], base: usize, muts: &[Mutation]) -> Vec<u8> {
    let mut b = corpus[base % corpus.len()].clone();
    for m in muts {
        match *m {
            Mutation::Flip { at, byte } if !b.is_empty() => {
                let i = at % b.len();
                b[i] = byte;
            }
            Mutation::Flip { .. } => {}
            Mutation::Truncate { at } => b.truncate(at % (b.len() + 1)),
            Mutation::Splice { from, at, len, to } => {
                let src = &corpus[from % corpus.len()];
                let start = at % (src.len() + 1);
                let end = (start + len).min(src.len());
                let to = to % (b.len() + 1);
                b.splice(to..to, src[start..end].iter().copied());
            }
            Mutation::Insert { at, text } => {
                let to = at % (b.len() + 1);
                b.splice(to..to, text.bytes());
            }
        }
    }
    b
}

/// The whole read path; panics are what the property looks for.
fn exercise(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let p = dfc::syntax::parse(&text);
    for e in &p.errors {
        let s = e.span();
        assert!(
            s.start <= s.end && s.end as usize <= text.len(),
            "error span {s:?} outside the text"
        );
    }
    for n in &p.file.nodes {
        assert!(
            n.span.end as usize <= text.len(),
            "node span {:?} outside the text",
            n.span
        );
    }
    let _ = dfc::syntax::dump::dump_file(&p.file);
    if let Ok(tree) = dfc::parse(&text) {
        serde_json::to_string(&tree).expect("a parsed tree serialises");
    }
}

fn run(cases: Option<u32>) {
    let corpus = corpus();
    assert!(!corpus.is_empty(), "no Dockerfiles to mutate");
    let config = match cases {
        Some(n) => Config::with_cases(n),
        None => Config::default(),
    };
    let mut runner = TestRunner::new(config);
    runner
        .run(
            &(any::<usize>(), prop::collection::vec(mutation(), 1..6)),
            |(base, muts)| {
                exercise(&apply(corpus, base, &muts));
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn mutated_dockerfiles_never_panic() {
    run(None);
}

#[test]
#[ignore = "long: 100,000 cases; run with --ignored"]
fn mutated_dockerfiles_never_panic_long() {
    run(Some(100_000));
}

#[test]
fn every_corpus_file_is_read_without_panic() {
    for f in corpus() {
        exercise(f);
    }
}
