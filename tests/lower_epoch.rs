//! SOURCE_DATE_EPOCH in `dfc compile`: the values BuildKit accepts and rejects, and what
//! a number changes (history `created`, the WORKDIR mkdir timestamp, the ARG's value).
//! Expected messages and behaviour are those of BuildKit's `dockerfile2llb/epoch.go` and
//! its tests (`convert_test.go`, `dockerfile_source_date_epoch_test.go`).

use std::collections::BTreeMap;

use dfc::lower::{compile, CompileOptions, Compiled, LayoutResolver};
use serde_json::Value;

fn build(text: &str, args: &[(&str, &str)]) -> Result<Compiled, String> {
    let opts = CompileOptions {
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..CompileOptions::default()
    };
    // Only `FROM scratch` stages: the layout is never opened.
    compile(text, &opts, &LayoutResolver::new("/nonexistent")).map_err(|e| e.to_string())
}

fn ops(c: &Compiled) -> Vec<Value> {
    llb_schema::dump_json_lines(&c.definition)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const FILE: &str = "ARG SOURCE_DATE_EPOCH=1445412480\nFROM scratch\nARG SOURCE_DATE_EPOCH\nWORKDIR /app\nRUN true\n";

#[test]
fn a_number_stamps_history_and_workdir() {
    let c = build(FILE, &[]).unwrap();
    // 2015-10-21T07:28:00Z, the time BuildKit's DockerfileDefault test uses.
    assert_eq!(c.epoch, Some(1_445_412_480));
    assert!(!c.image.history.is_empty());
    for h in &c.image.history {
        assert_eq!(h.created.as_deref(), Some("2015-10-21T07:28:00Z"), "{h:?}");
    }
    let ops = ops(&c);
    let mkdir = ops
        .iter()
        .find_map(|o| o["Op"]["Op"]["file"]["actions"][0]["Action"]["mkdir"].as_object())
        .expect("WORKDIR mkdir");
    assert_eq!(mkdir["timestamp"], 1_445_412_480_000_000_000i64);
    let exec = ops
        .iter()
        .find_map(|o| o["Op"]["Op"]["exec"].as_object())
        .expect("RUN");
    let env = exec["meta"]["env"].as_array().unwrap();
    assert!(
        env.iter().any(|e| e == "SOURCE_DATE_EPOCH=1445412480"),
        "{env:?}"
    );
}

#[test]
fn build_arg_wins_and_is_written_canonically() {
    let c = build(FILE, &[("SOURCE_DATE_EPOCH", "+1700000502")]).unwrap();
    assert_eq!(c.epoch, Some(1_700_000_502));
    let ops = ops(&c);
    let exec = ops
        .iter()
        .find_map(|o| o["Op"]["Op"]["exec"].as_object())
        .unwrap();
    let env = exec["meta"]["env"].as_array().unwrap();
    assert!(
        env.iter().any(|e| e == "SOURCE_DATE_EPOCH=1700000502"),
        "{env:?}"
    );
}

#[test]
fn no_epoch_leaves_history_unstamped() {
    let c = build("FROM scratch\nWORKDIR /app\n", &[]).unwrap();
    assert_eq!(c.epoch, None);
    assert!(c.image.history.iter().all(|h| h.created.is_none()));
    // An empty build arg resets a default.
    let c = build(FILE, &[("SOURCE_DATE_EPOCH", "")]).unwrap();
    assert_eq!(c.epoch, None);
    assert!(c.image.history.iter().all(|h| h.created.is_none()));
    // `context` names the build context's time, which only a BuildKit gateway knows.
    let c = build(FILE, &[("SOURCE_DATE_EPOCH", "context")]).unwrap();
    assert_eq!(c.epoch, None);
}

#[test]
fn invalid_values_are_buildkits_errors() {
    assert_eq!(
        build(FILE, &[("SOURCE_DATE_EPOCH", "not-a-timestamp")]).unwrap_err(),
        "invalid SOURCE_DATE_EPOCH: not-a-timestamp"
    );
    assert_eq!(
        build(
            "ARG SOURCE_DATE_EPOCH=mysource\nFROM scratch\nCOPY a .\n",
            &[]
        )
        .unwrap_err(),
        "invalid SOURCE_DATE_EPOCH: mysource"
    );
}

#[test]
fn source_stage_rules() {
    let stage = |body: &str| {
        format!("ARG SOURCE_DATE_EPOCH=mysource\nFROM scratch AS mysource\n{body}\nFROM scratch\nCOPY a .\n")
    };
    let cases = [
        (
            stage("COPY Dockerfile /Dockerfile"),
            "SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported COPY instruction",
        ),
        (
            stage("ARG X=1"),
            "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD",
        ),
        (
            stage("ADD https://example.com/a.tar /\nADD https://example.com/b.tar /"),
            "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD",
        ),
        (
            stage("ADD https://example.com/a.tar https://example.com/b.tar /"),
            "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source",
        ),
        (
            stage("ADD ./local /"),
            "SOURCE_DATE_EPOCH stage source must be a single HTTP(S) or Git ADD",
        ),
        (
            "ARG SOURCE_DATE_EPOCH=mysource\nFROM busybox AS mysource\nADD https://example.com/a.tar /\nFROM scratch\n".to_string(),
            "SOURCE_DATE_EPOCH stage must use FROM scratch",
        ),
    ];
    for (text, want) in &cases {
        assert_eq!(build(text, &[]).unwrap_err(), *want, "{text}");
    }
    // A valid source stage (ARG-expanded URL, or a Git ADD): no epoch without a gateway,
    // and the ARG is dropped.
    for body in [
        "ARG URL=https://example.com/src.tar\nADD $URL /",
        "ADD https://github.com/moby/buildkit.git#v0.1 /",
    ] {
        let c = build(&stage(body), &[]).unwrap();
        assert_eq!(c.epoch, None, "{body}");
    }
    // Names match case-insensitively.
    let c = build(
        &stage("ADD https://example.com/a.tar /"),
        &[("SOURCE_DATE_EPOCH", "MySource")],
    );
    assert!(c.is_ok(), "{c:?}");
}
