//! Arbitrary nodes (also ones the parser would never build) never make typing panic,
//! and whatever is built serialises.

use proptest::prelude::*;

use super::super::*;
use crate::syntax::{Arg, Heredoc, Node, ParsedFile, RawFlag};

const KEYWORDS: &[&str] = &[
    "from",
    "RUN",
    "copy",
    "ADD",
    "env",
    "LABEL",
    "arg",
    "cmd",
    "ENTRYPOINT",
    "shell",
    "healthcheck",
    "expose",
    "volume",
    "user",
    "workdir",
    "stopsignal",
    "maintainer",
    "onbuild",
    "frob",
    "",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9=,\"'$<>{}. /:-]{0,12}",
        Just("AS".to_string()),
        Just("<<EOF".to_string()),
        Just("<<-'E'".to_string()),
        Just("type=secret,id=x".to_string()),
        Just("from=$X".to_string()),
        Just("CMD".to_string()),
        Just("NONE".to_string()),
        Just("--".to_string()),
        Just("é\u{0}".to_string()),
    ]
}

fn flag() -> impl Strategy<Value = String> {
    let names = prop_oneof![
        Just("mount"),
        Just("network"),
        Just("security"),
        Just("device"),
        Just("from"),
        Just("link"),
        Just("exclude"),
        Just("platform"),
        Just("interval"),
        Just("retries"),
        Just("chmod"),
        Just("checksum"),
        Just("mont"),
        Just(""),
    ];
    (names, proptest::option::of(text())).prop_map(|(n, v)| match v {
        Some(v) => format!("--{n}={v}"),
        None => format!("--{n}"),
    })
}

fn node(depth: u32) -> BoxedStrategy<Node> {
    let sub = if depth == 0 {
        Just(None).boxed()
    } else {
        proptest::option::of(node(depth - 1).prop_map(Box::new)).boxed()
    };
    (
        proptest::sample::select(KEYWORDS),
        proptest::collection::vec(flag(), 0..4),
        proptest::collection::vec(text(), 0..5),
        any::<bool>(),
        sub,
        proptest::collection::vec((text(), text(), any::<bool>()), 0..2),
        (0u32..200, 0u32..200),
    )
        .prop_map(|(kw, flags, args, json, sub, docs, (a, b))| {
            let span = |x: u32, len: usize| Span::new(x as usize, x as usize + len);
            Node {
                keyword: kw.to_string(),
                keyword_span: span(a, kw.len()),
                flags: flags
                    .into_iter()
                    .map(|f| RawFlag {
                        span: span(b, f.len() + (a % 3) as usize),
                        text: f,
                    })
                    .collect(),
                args: args
                    .into_iter()
                    .map(|v| Arg {
                        span: span(b, v.len()),
                        value: v,
                    })
                    .collect(),
                sub,
                json,
                heredocs: docs
                    .into_iter()
                    .map(|(name, content, chomp)| Heredoc {
                        name,
                        file_descriptor: 0,
                        expand: true,
                        chomp,
                        content,
                        span: span(a, 3),
                    })
                    .collect(),
                original: format!("{kw} x"),
                span: span(a.min(b), 40),
                rest_span: span(b, 0),
                comments: vec!["x y".into()],
            }
        })
        .boxed()
}

proptest! {
    #[test]
    fn typing_never_panics(nodes in proptest::collection::vec(node(2), 0..6)) {
        let file = ParsedFile {
            directives: Vec::new(),
            escape: '\\',
            nodes,
            warnings: Vec::new(),
        };
        let (df, errors) = build(&file);
        prop_assert!(serde_json::to_string(&df).is_ok());
        for e in &errors {
            prop_assert!(!e.to_string().is_empty());
        }
        for stage in &df.stages {
            for i in &stage.instructions {
                if let Instruction::Run(run) = i {
                    for m in &run.mounts {
                        let mut id = |s: &str| Ok::<_, String>(s.to_string());
                        let _ = m.resolve(&mut id);
                    }
                }
            }
        }
    }
}
