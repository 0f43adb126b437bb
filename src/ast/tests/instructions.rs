//! Each instruction's typed form and its BuildKit errors.

use std::time::Duration;

use super::super::testutil::{node, with_heredoc};
use super::super::*;
use super::{error, instruction, parse, values};

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
