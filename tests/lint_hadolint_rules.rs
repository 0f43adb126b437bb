//! Every hadolint rule on its own documentation: the "Example" block triggers the rule,
//! the "Use instead" block does not, and the rendered human output of the example is an
//! insta snapshot (`snapshots/lint__<code>.snap`), so reviewing a snapshot is reviewing
//! what users see. Also: the `# hadolint ignore=` pragmas, end to end.

use std::path::Path;

use dfc::lint::output::{human_plain, FileReport};
use dfc::lint::rule::{Origin, RULES};
use dfc::lint::settings::Settings;
use dfc::lint::{lint, Context, Options};

/// The code blocks of one language (`dockerfile`, `yaml`) in a rule's documentation.
fn blocks_of(doc: &str, language: &str) -> Vec<String> {
    let fence = format!("```{language}");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim()) {
            (None, l) if l == fence => current = Some(String::new()),
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

/// The `dockerfile` code blocks of a rule's documentation, in order.
fn blocks(doc: &str) -> Vec<String> {
    blocks_of(doc, "dockerfile")
}

/// Just this rule, switched on even when it is off by default (DL1001).
fn only(code: &str) -> Options {
    Options {
        select: Some([code.to_string()].into_iter().collect()),
        experimental: true,
        ..Options::default()
    }
}

/// `only(code)` under the rule's documented `.hadolint.yaml` (its `yaml` block), if any.
fn configured(code: &str, doc: &str) -> Options {
    let yaml = blocks_of(doc, "yaml");
    assert!(yaml.len() <= 1, "{code}: one configuration example");
    let Some(yaml) = yaml.first() else {
        return only(code);
    };
    let settings = Settings::from_hadolint_yaml(yaml, "doc").expect("documented config is valid");
    Options {
        select: Some([code.to_string()].into_iter().collect()),
        ..Options::from_settings(&settings)
    }
}

#[test]
fn each_rule_fires_on_its_example_and_not_on_the_fix() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    for rule in RULES.iter().filter(|r| r.origin == Origin::Hadolint) {
        let examples = blocks(rule.doc);
        assert_eq!(examples.len(), 2, "{}: an example and a fix", rule.code);
        let options = configured(rule.code, rule.doc);
        let bad = lint(&examples[0], &options, &Context::default());
        assert!(
            bad.diagnostics.iter().any(|d| d.code == rule.code),
            "{} does not fire on its example",
            rule.code
        );
        let good = lint(&examples[1], &options, &Context::default());
        assert!(
            good.diagnostics.is_empty(),
            "{} fires on its fix: {:?}",
            rule.code,
            good.diagnostics
        );
        let shown = human_plain(&[FileReport {
            path: "Dockerfile",
            source: &examples[0],
            diagnostics: &bad.diagnostics,
        }]);
        settings.bind(|| insta::assert_snapshot!(format!("lint__{}", rule.code), shown));
    }
}

#[test]
fn ignore_pragmas_silence_the_next_instruction_or_the_file() {
    let text = "FROM debian:12\n\
                # hadolint ignore=DL3008, DL3015\n\
                RUN apt-get install -y curl\n\
                RUN apt-get install -y wget\n";
    let codes = |t: &str| -> Vec<(String, u32)> {
        let r = lint(t, &Options::default(), &Context::default());
        let index = dfc::syntax::LineIndex::new(t);
        r.diagnostics
            .iter()
            .filter(|d| d.code.starts_with("DL"))
            .map(|d| (d.code.to_string(), d.instruction_line(&index)))
            .collect()
    };
    let found = codes(text);
    assert!(!found.contains(&("DL3008".into(), 3)));
    assert!(!found.contains(&("DL3015".into(), 3)));
    assert!(found.contains(&("DL3008".into(), 4)));
    assert!(found.contains(&("DL3015".into(), 4)));
    // Not directly above: no effect.
    let apart = "FROM debian:12\n# hadolint ignore=DL3008\n\nRUN apt-get install -y curl\n";
    assert!(codes(apart).contains(&("DL3008".into(), 4)));
    let global = "# hadolint global ignore=DL3008\nFROM debian:12\nRUN apt-get install -y a\n";
    assert!(!codes(global).iter().any(|(c, _)| c == "DL3008"));
}

#[test]
fn heredoc_bodies_are_scripts() {
    let text =
        "FROM debian:12\nRUN <<EOF\nset -e\ncd /tmp\nEOF\nRUN cat <<EOF > /x\ncd /tmp\nEOF\n";
    let r = lint(text, &only("DL3003"), &Context::default());
    let index = dfc::syntax::LineIndex::new(text);
    let lines: Vec<u32> = r
        .diagnostics
        .iter()
        .map(|d| d.instruction_line(&index))
        .collect();
    assert_eq!(lines, [2], "a heredoc fed to `cat` is data, not a script");
}

#[test]
fn findings_point_at_the_offending_word_and_keep_the_instruction_line() {
    let text = "FROM debian:12\n\
                RUN apt-get update \\\n \
                 && apt-get install -y \\\n \
                      curl=7.88 wget\n\
                RUN <<EOF\n\
                set -e\n\
                cd /tmp\n\
                EOF\n\
                RUN [\"cd\", \"/x\"]\n";
    let options = Options {
        select: Some(["DL3008", "DL3003"].map(String::from).into_iter().collect()),
        ..Options::default()
    };
    let r = lint(text, &options, &Context::default());
    let index = dfc::syntax::LineIndex::new(text);
    let found: Vec<(&str, u32, &str)> = r
        .diagnostics
        .iter()
        .map(|d| (d.code, d.instruction_line(&index), &text[d.span.range()]))
        .collect();
    assert_eq!(
        found,
        [
            ("DL3008", 2, "wget"),
            ("DL3003", 5, "cd /tmp"),
            // The exec form has no map from the script to the file: the whole argument list.
            ("DL3003", 9, "[\"cd\", \"/x\"]"),
        ]
    );
}
