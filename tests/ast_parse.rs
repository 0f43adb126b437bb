//! The typed layer on text read by the real line parser: spans and line numbers across
//! continuations, quoted flags, here-documents (also under ONBUILD), and every error of a
//! file in BuildKit's wording.

use dfc::ast::{self, Healthcheck, Instruction, ShellOrExec};
use dfc::syntax::{self, LineIndex};

/// Syntax + ast; panics when the line parser itself fails (these inputs are valid for it).
fn build(text: &str) -> (ast::Dockerfile, Vec<String>) {
    let parsed = syntax::parse(text);
    assert!(
        parsed.errors.is_empty(),
        "syntax errors: {:?}",
        parsed.errors
    );
    let (df, errors) = ast::build(&parsed.file);
    let index = LineIndex::new(text);
    let messages = errors.iter().map(|e| e.buildkit_message(&index)).collect();
    (df, messages)
}

fn slice(text: &str, span: dfc::syntax::Span) -> &str {
    &text[span.range()]
}

#[test]
fn errors_carry_the_first_line_of_their_instruction() {
    let text = "FROM alpine\nCOPY --from=a \\\n    --form=b \\\n    x /y\nRUNN true\nENV\n";
    let (_, errors) = build(text);
    assert_eq!(
        errors,
        [
            "dockerfile parse error on line 2: unknown flag: --form (did you mean from?)",
            "dockerfile parse error on line 5: unknown instruction: RUNN (did you mean RUN?)",
            "dockerfile parse error on line 6: ENV requires at least one argument",
        ]
    );
}

#[test]
fn spans_point_into_the_source() {
    let text = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n\
                RUN --mount=type=cache,target=/root/.cache \\\n    go build ./...\n\
                COPY --from=build --chmod=0755 /out/app /usr/local/bin/\n";
    let (df, errors) = build(text);
    assert!(errors.is_empty(), "{errors:?}");
    let stage = &df.stages[0];
    assert_eq!(slice(text, stage.from.base.span), "golang:1.22");
    assert_eq!(stage.platform(), Some("$BUILDPLATFORM"));
    let Instruction::Run(run) = &stage.instructions[0] else {
        panic!("not RUN");
    };
    let target = run.mounts[0].field("target").and_then(|f| f.value.as_ref());
    assert_eq!(target.map(|t| slice(text, t.span)), Some("/root/.cache"));
    let ShellOrExec::Shell { text: cmd } = &run.command else {
        panic!("not shell form");
    };
    assert_eq!(cmd.value, "go build ./...");
    let Instruction::Copy(copy) = &stage.instructions[1] else {
        panic!("not COPY");
    };
    assert_eq!(
        copy.chmod.as_ref().map(|c| slice(text, c.span)),
        Some("0755")
    );
    assert_eq!(slice(text, copy.dest.span), "/usr/local/bin/");
}

#[test]
fn quoted_flags_keep_their_values() {
    let text = "FROM a\nRUN --mount=\"type=secret,id=tok\" --network='none' cat /run/secrets/tok\n";
    let (df, errors) = build(text);
    assert!(errors.is_empty(), "{errors:?}");
    let Instruction::Run(run) = &df.stages[0].instructions[0] else {
        panic!("not RUN");
    };
    assert_eq!(run.mounts[0].raw.value, "type=secret,id=tok");
    assert_eq!(
        slice(text, run.mounts[0].raw.span),
        "--mount=\"type=secret,id=tok\""
    );
    let mut id = |s: &str| Ok::<_, String>(s.to_string());
    let mount = run.mounts[0].resolve(&mut id).map_err(|e| e.message);
    assert_eq!(mount.map(|m| m.cache_id), Ok("tok".to_string()));
}

#[test]
fn heredocs_as_sources_and_under_onbuild() {
    let text = "FROM a\nCOPY <<-EOT /etc/motd\n\thello\n\tEOT\nONBUILD RUN <<EOF\necho hi\nEOF\n";
    let (df, errors) = build(text);
    assert!(errors.is_empty(), "{errors:?}");
    let Instruction::Copy(copy) = &df.stages[0].instructions[0] else {
        panic!("not COPY");
    };
    assert_eq!(copy.heredocs[0].path, "EOT");
    assert_eq!(copy.heredocs[0].data, "hello\n");
    let Instruction::Onbuild(ob) = &df.stages[0].instructions[1] else {
        panic!("not ONBUILD");
    };
    assert_eq!(ob.expression.value, "RUN <<EOF\necho hi\nEOF");
    let Some(Instruction::Run(run)) = ob.trigger_instruction.as_deref() else {
        panic!("trigger not typed");
    };
    assert_eq!(run.heredocs[0].content, "echo hi\n");
}

#[test]
fn healthcheck_and_legacy_env() {
    let text =
        "FROM a\nENV PATH /x:/y\nHEALTHCHECK --interval=5s \\\n  CMD [\"curl\", \"-f\", \"x\"]\n";
    let (df, errors) = build(text);
    assert!(errors.is_empty(), "{errors:?}");
    let Instruction::Env(env) = &df.stages[0].instructions[0] else {
        panic!("not ENV");
    };
    assert!(env.pairs[0].legacy);
    assert_eq!(env.pairs[0].value.value, "/x:/y");
    let Instruction::Healthcheck(hc) = &df.stages[0].instructions[1] else {
        panic!("not HEALTHCHECK");
    };
    assert_eq!(hc.test(), ["CMD", "curl", "-f", "x"]);
    assert!(matches!(hc.check, Healthcheck::Cmd(_)));
}

#[test]
fn fixture_with_several_errors() {
    let text = include_str!("fixtures/parse-errors/several-errors.Dockerfile");
    let parsed = syntax::parse(text);
    let (_, errors) = ast::build(&parsed.file);
    let index = LineIndex::new(text);
    let messages: Vec<String> = errors.iter().map(|e| e.buildkit_message(&index)).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown instruction: RUNN (did you mean RUN?)")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown flag: --form (did you mean from?)")),
        "{messages:?}"
    );
}

#[test]
fn no_stage_fixture() {
    let text = include_str!("fixtures/parse-errors/no-stage.Dockerfile");
    let (_, errors) = build(text);
    assert_eq!(errors, ["no build stage in current context"]);
}
