//! RUN, COPY and ADD: flags, mounts, devices, heredocs.

use super::super::testutil::{node, with_heredoc};
use super::super::*;
use super::{error, instruction, values};

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
