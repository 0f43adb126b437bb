//! Unit tests of the typed layer on hand-built nodes: every instruction, its errors in
//! BuildKit's wording and order, and the grouping into stages.

use std::time::Duration;

use super::testutil::{file, node, with_heredoc};
use super::*;

fn parse(line: &str) -> Result<Parsed, String> {
    parse_instruction(&node(line)).map_err(|e| e.to_string())
}

fn instruction(line: &str) -> Instruction {
    match parse(line) {
        Ok(Parsed::Instruction(i)) => i,
        other => panic!("{line:?}: {other:?}"),
    }
}

fn error(line: &str) -> String {
    match parse(line) {
        Err(e) => e,
        Ok(p) => panic!("{line:?} parsed: {p:?}"),
    }
}

fn values(items: &[Spanned<String>]) -> Vec<&str> {
    items.iter().map(|s| s.value.as_str()).collect()
}

#[test]
fn unknown_instructions_get_suggestions() {
    assert_eq!(
        error("FNTRYPOINT [\"x\"]"),
        "unknown instruction: FNTRYPOINT (did you mean ENTRYPOINT?)"
    );
    assert_eq!(
        error("FOO bar"),
        "unknown instruction: FOO (did you mean FROM?)"
    );
    assert_eq!(
        error("foo bar"),
        "unknown instruction: foo (did you mean from?)"
    );
    assert_eq!(error("BADCMD"), "unknown instruction: BADCMD");
    assert_eq!(error("/.git#v0.0.2"), "unknown instruction: /.git#v0.0.2");
    let err = parse_instruction(&node("  FOO bar"));
    assert_eq!(err.map_err(|e| e.span()), Err(Span::new(2, 5)));
}

#[test]
fn keywords_are_case_insensitive() {
    let i = instruction("run echo hi");
    assert_eq!(i.name(), "RUN");
    assert_eq!(i.keyword().value, "run");
    assert_eq!(i.keyword().span, Span::new(0, 3));
}

#[test]
fn argument_counts() {
    for name in ["MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"] {
        assert_eq!(error(name), format!("{name} requires exactly one argument"));
    }
    for name in [
        "ENV",
        "LABEL",
        "ONBUILD",
        "HEALTHCHECK",
        "EXPOSE",
        "VOLUME",
        "ARG",
    ] {
        assert_eq!(
            error(name),
            format!("{name} requires at least one argument")
        );
    }
    for name in ["ADD", "COPY"] {
        assert_eq!(
            error(&format!("{name} arg1")),
            format!("{name} requires at least two arguments, but only one was provided. Destination could not be determined")
        );
    }
    assert_eq!(error("SHELL"), "SHELL requires at least one argument");
    assert_eq!(error("SHELL []"), "SHELL requires at least one argument");
}

#[test]
fn checks_come_in_buildkit_order() {
    // Argument count before flags for these.
    assert_eq!(error("COPY --bogus a"), "COPY requires at least two arguments, but only one was provided. Destination could not be determined");
    assert_eq!(error("USER --bogus"), "USER requires exactly one argument");
    assert_eq!(
        error("EXPOSE --bogus"),
        "EXPOSE requires at least one argument"
    );
    // Flags before arguments for these.
    assert_eq!(error("ENV --bogus"), "unknown flag: --bogus");
    assert_eq!(error("SHELL --bogus"), "unknown flag: --bogus");
    assert_eq!(
        error("MAINTAINER --boo joe@example.com"),
        "unknown flag: --boo"
    );
    // FROM: the name before the flags.
    assert_eq!(
        error("FROM --bogus a AS 1x"),
        "invalid name for build stage: \"1x\", name can't start with a number or contain symbols"
    );
}

#[test]
fn instructions_that_ignore_flags() {
    assert!(matches!(
        instruction("STOPSIGNAL --x SIGKILL"),
        Instruction::Stopsignal(_)
    ));
    assert!(matches!(instruction("ARG --x a=b"), Instruction::Arg(_)));
    assert!(matches!(
        instruction("HEALTHCHECK --bogus NONE"),
        Instruction::Healthcheck(_)
    ));
}

#[test]
fn from_forms() {
    let Ok(Parsed::Stage(from)) = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build")
    else {
        panic!("FROM did not parse");
    };
    assert_eq!(from.base.value, "golang:1.22");
    assert_eq!(from.base.span, Span::new(31, 42));
    assert_eq!(from.name.as_ref().map(|n| n.value.as_str()), Some("build"));
    assert_eq!(from.name_as_written.as_deref(), Some("Build"));
    assert_eq!(from.as_keyword.map(|a| a.value), Some("AS".to_string()));
    assert_eq!(
        from.platform.map(|p| (p.value, p.span)),
        Some(("$BUILDPLATFORM".to_string(), Span::new(16, 30)))
    );
    assert!(matches!(
        parse("from scratch as a.b-c_d"),
        Ok(Parsed::Stage(_))
    ));
    assert_eq!(error("FROM"), "FROM requires either one or three arguments");
    assert_eq!(
        error("FROM a b"),
        "FROM requires either one or three arguments"
    );
    assert_eq!(
        error("FROM a is b"),
        "FROM requires either one or three arguments"
    );
    assert_eq!(
        error("FROM a AS b c"),
        "FROM requires either one or three arguments"
    );
    assert_eq!(
        error("FROM a AS b$c"),
        "invalid name for build stage: \"b$c\", name can't start with a number or contain symbols"
    );
    assert_eq!(
        error("FROM a --platform=x"),
        "FROM requires either one or three arguments"
    );
    assert_eq!(
        error("FROM --platform a"),
        "missing a value on flag: --platform"
    );
    assert_eq!(
        error("FROM --platfrom=x a"),
        "unknown flag: --platfrom (did you mean platform?)"
    );
}

#[test]
fn run_forms_and_flags() {
    let Instruction::Run(run) =
        instruction("RUN --mount=type=cache,target=/root/.cache --network=none echo hi")
    else {
        panic!("not RUN");
    };
    assert_eq!(run.command.cmd_line(), ["echo hi"]);
    assert!(run.command.prepends_shell());
    assert_eq!(run.mounts.len(), 1);
    assert_eq!(run.mounts[0].fields[1].key.value, "target");
    assert_eq!(run.network.map(|n| n.value), Some(NetworkMode::None));
    assert_eq!(run.flags_used, ["mount", "network"]);

    let Instruction::Run(run) = instruction("RUN [\"echo\", \"hi\"]") else {
        panic!("not RUN");
    };
    assert_eq!(run.command.cmd_line(), ["echo", "hi"]);
    assert!(!run.command.prepends_shell());

    let Instruction::Run(run) = instruction("RUN") else {
        panic!("not RUN");
    };
    assert!(matches!(run.command, ShellOrExec::Empty { .. }));
    assert!(run.command.cmd_line().is_empty());

    // Only `from` is looked at while parsing.
    assert!(matches!(
        instruction("RUN --mount=type=tmp true"),
        Instruction::Run(_)
    ));
    assert!(matches!(
        instruction("RUN --mount=typ=tmpfs true"),
        Instruction::Run(_)
    ));
    assert!(matches!(
        instruction("RUN --mount=from=a$ true"),
        Instruction::Run(_)
    ));
    assert_eq!(
        error("RUN --mount=from=$IMG,target=/x true"),
        "'from' doesn't support variable expansion, define alias stage instead"
    );
    assert_eq!(
        error("RUN --mount=FROM=${x}y true"),
        "'from' doesn't support variable expansion, define alias stage instead"
    );
    assert_eq!(
        error("RUN --mount= true"),
        "failed to parse csv mounts: EOF"
    );
    assert_eq!(
        error("RUN --mount=a\"b true"),
        "failed to parse csv mounts: parse error on line 1, column 2: bare \" in non-quoted-field"
    );
    assert_eq!(
        error("RUN --mont=x true"),
        "unknown flag: --mont (did you mean mount?)"
    );
    assert_eq!(
        error("RUN --network=bridge true"),
        "invalid network mode \"bridge\""
    );
    assert_eq!(error("RUN --network= true"), "invalid network mode \"\"");
    assert_eq!(
        error("RUN --security=yes true"),
        "security \"yes\" is not valid"
    );
    assert_eq!(
        error("RUN --network=a --network=b true"),
        "duplicate flag specified: --network"
    );
    // Mounts are checked before the network.
    assert_eq!(
        error("RUN --network=x --mount=from=$a true"),
        "'from' doesn't support variable expansion, define alias stage instead"
    );
    let Instruction::Run(run) = instruction("RUN --security=insecure true") else {
        panic!("not RUN");
    };
    assert_eq!(run.security.map(|s| s.value), Some(SecurityMode::Insecure));
}

#[test]
fn run_devices() {
    let Instruction::Run(run) = instruction(
        "RUN --device=vendor1.com/device=foo,required --device=name=gpu,required=false true",
    ) else {
        panic!("not RUN");
    };
    let devices: Vec<_> = run
        .devices
        .iter()
        .map(|d| (d.name.as_str(), d.required))
        .collect();
    assert_eq!(devices, [("vendor1.com/device=foo", true), ("gpu", false)]);
    assert_eq!(
        error("RUN --device=a,b true"),
        "invalid field 'b' must be a key=value pair"
    );
    assert_eq!(
        error("RUN --device=a,name=b true"),
        "device name already set to a"
    );
    assert_eq!(
        error("RUN --device=a,nme=b true"),
        "unexpected key 'nme' in 'nme=b' (did you mean name?)"
    );
    assert_eq!(
        error("RUN --device=a,required=maybe true"),
        "invalid value for required: maybe"
    );
}

#[test]
fn run_heredocs_are_kept() {
    let n = with_heredoc(node("RUN <<EOF"), "EOF", "echo hi\n", false);
    let Ok(Parsed::Instruction(Instruction::Run(run))) = parse_instruction(&n) else {
        panic!("not RUN");
    };
    assert_eq!(run.heredocs.len(), 1);
    assert_eq!(run.heredocs[0].content, "echo hi\n");
    assert_eq!(run.command.cmd_line(), ["<<EOF"]);
}

#[test]
fn copy_and_add() {
    let Instruction::Copy(copy) = instruction(
        "COPY --from=build --chown=1:1 --chmod=755 --link --exclude=*.md --exclude=x a b /dst/",
    ) else {
        panic!("not COPY");
    };
    assert_eq!(copy.from.as_ref().map(|f| f.value.as_str()), Some("build"));
    assert_eq!(copy.chown.as_ref().map(|f| f.value.as_str()), Some("1:1"));
    assert_eq!(copy.chmod.as_ref().map(|f| f.value.as_str()), Some("755"));
    assert!(copy.is_link());
    assert_eq!(copy.parents, None);
    assert_eq!(values(&copy.exclude), ["*.md", "x"]);
    assert_eq!(values(&copy.sources), ["a", "b"]);
    assert_eq!(copy.dest.value, "/dst/");

    // `--from` with a variable is a lowering error, not a parse error.
    assert!(matches!(
        instruction("COPY --from=$X a b"),
        Instruction::Copy(_)
    ));
    assert_eq!(
        error("COPY --checksum=sha256:x a b"),
        "unknown flag: --checksum"
    );

    let Instruction::Add(add) = instruction(
        "ADD --checksum=sha256:abc --keep-git-dir=false --unpack=true --link=false https://x/y.tgz /",
    ) else {
        panic!("not ADD");
    };
    assert_eq!(
        add.checksum.as_ref().map(|c| c.value.as_str()),
        Some("sha256:abc")
    );
    assert_eq!(add.keep_git_dir.as_ref().map(|k| k.value), Some(false));
    assert_eq!(add.unpack.as_ref().map(|u| u.value), Some(true));
    assert!(!add.is_link());
    assert_eq!(error("ADD --from=x a b"), "unknown flag: --from");
    assert_eq!(error("ADD --parents a b"), "unknown flag: --parents");

    let Instruction::Copy(copy) = instruction("COPY [\"a b\", \"/c\"]") else {
        panic!("not COPY");
    };
    assert!(copy.json);
    assert_eq!(values(&copy.sources), ["a b"]);
}

#[test]
fn copy_heredocs() {
    let n = with_heredoc(
        node("COPY <<-EOF <<'RAW' src /dst"),
        "EOF",
        "\tline\n\t\tx\n",
        true,
    );
    let n = with_heredoc(n, "RAW", "$HOME\n", false);
    let Ok(Parsed::Instruction(Instruction::Copy(copy))) = parse_instruction(&n) else {
        panic!("not COPY");
    };
    assert_eq!(values(&copy.sources), ["src"]);
    let docs: Vec<_> = copy
        .heredocs
        .iter()
        .map(|h| (h.path.as_str(), h.data.as_str(), h.expand))
        .collect();
    assert_eq!(
        docs,
        [("EOF", "line\nx\n", true), ("RAW", "$HOME\n", false)]
    );
    assert_eq!(
        error("COPY a <<EOF"),
        "COPY cannot accept a heredoc as a destination"
    );
    assert_eq!(
        error("ADD a <<-\"X\""),
        "ADD cannot accept a heredoc as a destination"
    );
    // A heredoc word without a body still makes an (empty) source, as in BuildKit.
    let Instruction::Copy(copy) = instruction("COPY [\"<<EOF\", \"/x\"]") else {
        panic!("not COPY");
    };
    assert_eq!(copy.heredocs.len(), 1);
    assert_eq!(copy.heredocs[0].data, "");
}

#[test]
fn env_and_label() {
    let Instruction::Env(env) = instruction("ENV A=1 B=") else {
        panic!("not ENV");
    };
    let pairs: Vec<_> = env
        .pairs
        .iter()
        .map(|p| (p.key.value.as_str(), p.value.value.as_str(), p.legacy))
        .collect();
    assert_eq!(pairs, [("A", "1", false), ("B", "", false)]);
    assert_eq!(env.pairs[0].key.span, Span::new(4, 5));
    assert_eq!(env.pairs[0].value.span, Span::new(6, 7));

    let Instruction::Env(env) = instruction("ENV PATH /usr/bin:/bin") else {
        panic!("not ENV");
    };
    assert!(env.pairs[0].legacy);
    assert_eq!(env.pairs[0].value.value, "/usr/bin:/bin");

    let Instruction::Label(label) = instruction("LABEL a=b") else {
        panic!("not LABEL");
    };
    assert_eq!(label.pairs[0].key.value, "a");
    assert_eq!(error("ENV =x"), "ENV names can not be blank");
    assert_eq!(error("LABEL =x"), "LABEL names can not be blank");

    let mut n = node("ENV a=b");
    n.args.pop();
    assert_eq!(
        parse_instruction(&n)
            .map_err(|e| e.to_string())
            .err()
            .as_deref(),
        Some("Bad input to ENV, too many arguments")
    );
}

#[test]
fn arg_pairs_and_doc_comments() {
    let mut n = node("ARG foo bar=1 baz=");
    n.comments = vec!["bar sets the bar".into(), "foo is foo".into()];
    let Ok(Parsed::Instruction(Instruction::Arg(arg))) = parse_instruction(&n) else {
        panic!("not ARG");
    };
    let pairs: Vec<_> = arg
        .args
        .iter()
        .map(|a| {
            (
                a.key.value.as_str(),
                a.value.as_ref().map(|v| v.value.as_str()),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [("foo", None), ("bar", Some("1")), ("baz", Some(""))]
    );
    assert_eq!(arg.args[1].key.span, Span::new(8, 11));
    assert_eq!(
        arg.args[1].value.as_ref().map(|v| v.span),
        Some(Span::new(12, 13))
    );
    assert_eq!(arg.args[0].doc_comment.as_deref(), Some("is foo"));
    assert_eq!(arg.args[1].doc_comment.as_deref(), Some("sets the bar"));
    assert_eq!(arg.args[2].doc_comment, None);
    assert_eq!(error("ARG =x"), "ARG names can not be blank");
}

#[test]
fn cmd_entrypoint_shell() {
    let Instruction::Cmd(cmd) = instruction("CMD [\"a\", \"b\"]") else {
        panic!("not CMD");
    };
    assert_eq!(cmd.command.cmd_line(), ["a", "b"]);
    let Instruction::Entrypoint(ep) = instruction("ENTRYPOINT exec foo") else {
        panic!("not ENTRYPOINT");
    };
    assert_eq!(ep.command.cmd_line(), ["exec foo"]);
    assert!(matches!(instruction("CMD"), Instruction::Cmd(_)));
    assert!(matches!(
        instruction("ENTRYPOINT []"),
        Instruction::Entrypoint(_)
    ));
    assert_eq!(error("CMD --x a"), "unknown flag: --x");

    let Instruction::Shell(shell) = instruction("SHELL [\"/bin/bash\", \"-c\"]") else {
        panic!("not SHELL");
    };
    assert_eq!(values(&shell.shell), ["/bin/bash", "-c"]);
    assert_eq!(
        error("SHELL /bin/sh -c"),
        "SHELL requires the arguments to be in JSON form"
    );
}

#[test]
fn healthcheck() {
    let Instruction::Healthcheck(hc) = instruction(
        "HEALTHCHECK --interval=30s --timeout=1m30s --start-period=0 --start-interval=5ms --retries=3 CMD curl -f http://x/",
    ) else {
        panic!("not HEALTHCHECK");
    };
    assert_eq!(hc.test(), ["CMD-SHELL", "curl -f http://x/"]);
    let Healthcheck::Cmd(cmd) = &hc.check else {
        panic!("not CMD");
    };
    assert_eq!(
        cmd.interval.as_ref().map(|d| d.value),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        cmd.timeout.as_ref().map(|d| d.value),
        Some(Duration::from_secs(90))
    );
    assert_eq!(
        cmd.start_period.as_ref().map(|d| d.value),
        Some(Duration::ZERO)
    );
    assert_eq!(
        cmd.start_interval.as_ref().map(|d| d.value),
        Some(Duration::from_millis(5))
    );
    assert_eq!(cmd.retries.as_ref().map(|r| r.value), Some(3));

    let Instruction::Healthcheck(hc) = instruction("healthcheck cmd [\"a\", \"b\"]") else {
        panic!("not HEALTHCHECK");
    };
    assert_eq!(hc.test(), ["CMD", "a", "b"]);
    let Instruction::Healthcheck(hc) = instruction("HEALTHCHECK none") else {
        panic!("not HEALTHCHECK");
    };
    assert_eq!(hc.test(), ["NONE"]);

    assert_eq!(
        error("HEALTHCHECK NONE x"),
        "HEALTHCHECK NONE takes no arguments"
    );
    assert_eq!(
        error("HEALTHCHECK CMD"),
        "Missing command after HEALTHCHECK CMD"
    );
    assert_eq!(
        error("HEALTHCHECK CMD []"),
        "Missing command after HEALTHCHECK CMD"
    );
    assert_eq!(
        error("HEALTHCHECK foo bar"),
        "Unknown type \"FOO\" in HEALTHCHECK (try CMD)"
    );
    assert_eq!(
        error("HEALTHCHECK --bogus foo bar"),
        "unknown flag: --bogus"
    );
    assert_eq!(
        error("HEALTHCHECK --interval=5 CMD x"),
        "time: missing unit in duration \"5\""
    );
    assert_eq!(
        error("HEALTHCHECK --timeout=50ns CMD x"),
        "Interval \"timeout\" cannot be less than 1ms"
    );
    assert_eq!(
        error("HEALTHCHECK --interval=-1s CMD x"),
        "Interval \"interval\" cannot be less than 1ms"
    );
    assert_eq!(
        error("HEALTHCHECK --retries=x CMD x"),
        "strconv.ParseInt: parsing \"x\": invalid syntax"
    );
    assert_eq!(
        error("HEALTHCHECK --retries=-2 CMD x"),
        "--retries cannot be negative (-2)"
    );
    // The command check comes before the durations.
    assert_eq!(
        error("HEALTHCHECK --interval=x CMD"),
        "Missing command after HEALTHCHECK CMD"
    );
}

#[test]
fn expose_volume_user_workdir_stopsignal_maintainer() {
    let Instruction::Expose(expose) = instruction("EXPOSE 8080/tcp 443 80") else {
        panic!("not EXPOSE");
    };
    assert_eq!(values(&expose.ports), ["8080/tcp", "443", "80"]);
    assert_eq!(expose.sorted_ports(), ["443", "80", "8080/tcp"]);

    let Instruction::Volume(volume) = instruction("VOLUME [\" /data \", \"/logs\"]") else {
        panic!("not VOLUME");
    };
    assert_eq!(values(&volume.volumes), ["/data", "/logs"]);
    assert_eq!(
        error("VOLUME [\"/a\", \"  \"]"),
        "VOLUME specified can not be an empty string"
    );

    let Instruction::User(user) = instruction("USER app:app") else {
        panic!("not USER");
    };
    assert_eq!(user.user.value, "app:app");
    let Instruction::Workdir(wd) = instruction("WORKDIR /my dir") else {
        panic!("not WORKDIR");
    };
    assert_eq!(wd.path.value, "/my dir");
    let Instruction::Stopsignal(sig) = instruction("STOPSIGNAL SIGTERM") else {
        panic!("not STOPSIGNAL");
    };
    assert_eq!(sig.signal.value, "SIGTERM");
    let Instruction::Maintainer(m) = instruction("MAINTAINER me <me@x>") else {
        panic!("not MAINTAINER");
    };
    assert_eq!(m.maintainer.value, "me <me@x>");
}

#[test]
fn onbuild() {
    let Instruction::Onbuild(ob) = instruction("ONBUILD RUN --mount=type=bind echo hi") else {
        panic!("not ONBUILD");
    };
    assert_eq!(ob.trigger.value, "RUN");
    assert_eq!(ob.expression.value, "RUN --mount=type=bind echo hi");
    assert_eq!(ob.expression.span, Span::new(8, 37));
    assert!(matches!(
        ob.trigger_instruction.as_deref(),
        Some(Instruction::Run(_))
    ));

    // Errors inside the trigger are not parse errors.
    let Instruction::Onbuild(ob) = instruction("onbuild COPY --bogus a b") else {
        panic!("not ONBUILD");
    };
    assert_eq!(ob.expression.value, "COPY --bogus a b");
    assert_eq!(ob.trigger_instruction, None);
    assert!(matches!(
        instruction("ONBUILD FOO bar"),
        Instruction::Onbuild(_)
    ));

    assert_eq!(
        error("ONBUILD ONBUILD RUN touch foobar"),
        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
    );
    assert_eq!(
        error("ONBUILD FROM scratch"),
        "FROM isn't allowed as an ONBUILD trigger"
    );
    assert_eq!(
        error("ONBUILD maintainer me"),
        "MAINTAINER isn't allowed as an ONBUILD trigger"
    );
    assert_eq!(error("ONBUILD --x RUN a"), "unknown flag: --x");

    let n = with_heredoc(node("ONBUILD RUN <<EOF"), "EOF", "echo hi\n", false);
    let Ok(Parsed::Instruction(Instruction::Onbuild(ob))) = parse_instruction(&n) else {
        panic!("not ONBUILD");
    };
    assert_eq!(ob.expression.value, "RUN <<EOF\necho hi\nEOF");
}

#[test]
fn build_groups_stages_and_meta_args() {
    let (df, errors) = build(&file(
        "ARG BASE=alpine\n# base is the first stage\nFROM $BASE AS base\nRUN true\nARG X\n\nFROM base\nCOPY --from=base /a /b\n",
    ));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(df.meta_args.len(), 1);
    assert_eq!(df.stages.len(), 2);
    assert_eq!(df.stages[0].name(), Some("base"));
    assert_eq!(df.stages[0].base(), "$BASE");
    assert_eq!(
        df.stages[0].from.doc_comment.as_deref(),
        Some("is the first stage")
    );
    assert_eq!(df.stages[0].instructions.len(), 2);
    assert_eq!(df.stages[1].name(), None);
    assert_eq!(df.stages[1].platform(), None);
    // The stage span runs from FROM to the end of its last instruction.
    let src = "ARG BASE=alpine\n# base is the first stage\nFROM $BASE AS base\nRUN true\nARG X\n";
    assert_eq!(df.stages[0].span, Span::new(42, src.len() - 1));
}

#[test]
fn build_reports_every_error_in_file_order() {
    let (df, errors) = build(&file(
        "FROM a\nRUN --mont=x true\nCOPY x\nFROM b AS 9\nFROOM c\nRUN ok\n",
    ));
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "unknown flag: --mont (did you mean mount?)",
            "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
            "invalid name for build stage: \"9\", name can't start with a number or contain symbols",
            "unknown instruction: FROOM (did you mean FROM?)",
        ]
    );
    assert!(errors.iter().all(AstError::has_line_prefix));
    let text = "FROM a\nRUN --mont=x true\nCOPY x\nFROM b AS 9\nFROOM c\nRUN ok\n";
    let index = crate::syntax::LineIndex::new(text);
    assert_eq!(
        errors[3].buildkit_message(&index),
        "dockerfile parse error on line 5: unknown instruction: FROOM (did you mean FROM?)"
    );
    // The failed FROM still opens a stage, holding the RUN after it.
    assert_eq!(df.stages.len(), 2);
    assert_eq!(df.stages[1].base(), "b");
    assert_eq!(df.stages[1].instructions.len(), 1);
}

#[test]
fn no_build_stage() {
    let (df, errors) = build(&file("ARG a\nMAINTAINER me\nLABEL x=y\nFROM s\n"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].to_string(), "no build stage in current context");
    assert!(!errors[0].has_line_prefix());
    let index = crate::syntax::LineIndex::new("ARG a\nMAINTAINER me\n");
    assert_eq!(
        errors[0].buildkit_message(&index),
        "no build stage in current context"
    );
    assert_eq!(errors[0].node_span(), Span::new(6, 19));
    assert_eq!(df.meta_args.len(), 1);
    assert_eq!(df.stages.len(), 1);

    // A parse error before FROM wins over the missing stage.
    let (_, errors) = build(&file("ENV\nFROM s\n"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].to_string(), "ENV requires at least one argument");
}

#[test]
fn json_output_has_spans() -> Result<(), serde_json::Error> {
    let (df, _) = build(&file("FROM a AS b\nRUN --network=host [\"x\"]\n"));
    let json = serde_json::to_value(&df)?;
    let run = &json["stages"][0]["instructions"][0];
    assert_eq!(run["instruction"], "run");
    assert_eq!(run["network"]["value"], "host");
    assert_eq!(run["command"]["form"], "exec");
    assert_eq!(run["command"]["args"][0]["value"], "x");
    assert_eq!(json["stages"][0]["from"]["name"]["span"]["start"], 10);
    Ok(())
}

#[test]
fn diagnostics_have_labels_and_help() {
    use miette::Diagnostic;
    let Err(err) = parse_instruction(&node("RUN --mont=x true")) else {
        panic!("expected an error");
    };
    assert_eq!(err.span(), Span::new(4, 12));
    let labels: Vec<_> = err
        .labels()
        .map(|l| l.collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].offset(), 4);
    assert_eq!(
        err.help().map(|h| h.to_string()).as_deref(),
        Some("RUN accepts --device, --mount, --network, --security")
    );
}

mod fuzz {
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
}
