//! Every BuildKit check on its own documentation: the "Example" block triggers the rule,
//! the "Use instead" block does not, and the rendered human output of the example is an
//! insta snapshot (`snapshots/lint__<Rule>.snap`), so reviewing a snapshot is reviewing
//! what users see. Also the checks BuildKit makes while converting RUN mounts.

use std::path::Path;

use dfc::lint::buildkit::ignore::IgnoreMatcher;
use dfc::lint::output::{human_plain, FileReport};
use dfc::lint::rule::{Origin, RULES};
use dfc::lint::{lint, Context, Options};
use dfc::syntax::LineIndex;

/// The `dockerfile` code blocks of a rule's documentation, in order.
fn blocks(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim()) {
            (None, "```dockerfile") => current = Some(String::new()),
            (Some(b), "```") => {
                out.push(std::mem::take(b));
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    out
}

fn only(code: &str) -> Options {
    Options {
        select: Some([code.to_string()].into_iter().collect()),
        experimental: true,
        ..Options::default()
    }
}

/// The build context the examples assume: the `.dockerignore` of CopyIgnoredFile's example.
fn context() -> Context {
    Context {
        dockerignore: Some(IgnoreMatcher::parse("tmp\n")),
        stages: None,
    }
}

#[test]
fn each_check_fires_on_its_example_and_not_on_the_fix() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    let mut failures = Vec::new();
    for rule in RULES.iter().filter(|r| r.origin == Origin::BuildKit) {
        let examples = blocks(rule.doc);
        if examples.len() != 2 {
            failures.push(format!(
                "{}: {} examples, want 2",
                rule.code,
                examples.len()
            ));
            continue;
        }
        let bad = lint(&examples[0], &only(rule.code), &context());
        if !bad.diagnostics.iter().any(|d| d.code == rule.code) {
            failures.push(format!("{} does not fire on its example", rule.code));
            continue;
        }
        let good = lint(&examples[1], &only(rule.code), &context());
        if !good.diagnostics.is_empty() {
            failures.push(format!(
                "{} fires on its fix: {:?}",
                rule.code, good.diagnostics
            ));
        }
        let shown = human_plain(&[FileReport {
            path: "Dockerfile",
            source: &examples[0],
            diagnostics: &bad.diagnostics,
        }]);
        settings.bind(|| insta::assert_snapshot!(format!("lint__{}", rule.code), shown));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn findings(text: &str) -> (Vec<(String, String)>, Option<String>) {
    let report = lint(text, &Options::default(), &Context::default());
    let found = report
        .diagnostics
        .iter()
        .filter(|d| !d.code.starts_with("DL"))
        .map(|d| {
            let at = &text[d.span.start as usize..d.span.end as usize];
            (d.code.to_string(), at.to_string())
        })
        .collect();
    (found, report.error.map(|e| e.message))
}

#[test]
fn run_mount_values_are_expanded_at_dispatch() {
    // Each `key=value` of a mount is expanded with the stage's variables, as BuildKit's
    // setMountState does: an unset variable is an UndefinedVar at that value.
    let text = "FROM alpine:3.20\nARG ID=cache\nRUN --mount=type=cache,id=$ID,target=/root/$CACHE_DIR true\n";
    let (found, error) = findings(text);
    assert_eq!(error, None);
    assert_eq!(
        found,
        [("UndefinedVar".to_string(), "/root/$CACHE_DIR".to_string())]
    );
    let index = LineIndex::new(text);
    let report = lint(text, &Options::default(), &Context::default());
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "UndefinedVar")
        .unwrap();
    assert_eq!(d.instruction_line(&index), 3);
    assert_eq!(d.message, "Usage of undefined variable '$CACHE_DIR'");

    // A bad mount stops the check with BuildKit's message; findings before it stay.
    let text = "FROM alpine:3.20\nRUN --mount=target=$T,typ=tmpfs true\n";
    let (found, error) = findings(text);
    assert_eq!(found, [("UndefinedVar".to_string(), "$T".to_string())]);
    assert_eq!(
        error.as_deref(),
        Some("unexpected key 'typ' in 'typ=tmpfs' (did you mean type?)")
    );
}

#[test]
fn conversion_errors_stop_the_check_as_in_buildkit() {
    let cases = [
        ("FROM scratch\nCOPY --chmod=64a a /\n", "invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777"),
        ("FROM scratch\nADD --checksum=sha256:abc ./x /\n", "checksum requires HTTP(S) or Git sources"),
        ("FROM scratch\nCOPY https://example.com/a /\n", "source can't be a URL for COPY"),
        ("FROM busybox AS a\nCOPY --from=b x /\nFROM busybox AS b\nCOPY --from=a y /\n", "circular dependency detected on stage: a"),
        ("ARG TAG\nFROM busybox:${TAG}\n", "failed to parse stage name \"busybox:\": invalid reference format"),
        ("FROM --platform=$BUILDPLATFROM scratch\n", "empty platform value from expression $BUILDPLATFROM (did you mean BUILDPLATFORM?)"),
        ("ARG SOURCE_DATE_EPOCH=src\nFROM scratch AS src\nRUN true\nFROM scratch\n", "SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported RUN instruction"),
        ("ARG SOURCE_DATE_EPOCH=yesterday\nFROM scratch\n", "invalid SOURCE_DATE_EPOCH: yesterday"),
        ("FROM busybox\nRUN --device=/dev/fuse true\n", "device feature is only supported in Dockerfile frontend 1.14.0-labs or later"),
    ];
    for (text, want) in cases {
        let (_, error) = findings(text);
        assert_eq!(error.as_deref(), Some(want), "{text}");
    }
    // What is fine stays fine.
    for text in [
        "ARG SOURCE_DATE_EPOCH=1700000000\nFROM scratch\n",
        "FROM scratch\nADD --checksum=sha256:abc https://example.com/a.tar /\n",
        "FROM scratch\nADD --chmod=0755 https://github.com/moby/buildkit.git#v0.10 /src\n",
        "FROM busybox AS a\nFROM busybox\nCOPY --from=a x /\nCOPY --from=0 y /\n",
    ] {
        let (_, error) = findings(text);
        assert_eq!(error, None, "{text}");
    }
}
