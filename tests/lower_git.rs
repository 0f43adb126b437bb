//! ADD of Git repositories: which source words are Git, and the `git://` source op and
//! copy BuildKit's frontend makes of them. The expected identifiers and attributes are
//! the ones BuildKit's own tests state (`dfgitutil/git_ref_test.go`,
//! `client/llb/git_test.go`) or that its `llb.Git` and `dispatchCopy` produce by their
//! code; no fidelity corpus is needed.

use dfc::lower::{compile, CompileOptions, LayoutResolver};
use serde_json::{json, Value};

/// Compiles `FROM scratch` + `line` and returns the ops of the definition.
fn ops(line: &str) -> Result<Vec<Value>, String> {
    let text = format!("FROM scratch\n{line}\n");
    // Nothing is resolved for `FROM scratch`; the layout is never opened.
    let resolver = LayoutResolver::new("/nonexistent");
    let c = compile(&text, &CompileOptions::default(), &resolver).map_err(|e| e.to_string())?;
    let jsonl = llb_schema::dump_json_lines(&c.definition).unwrap();
    Ok(jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect())
}

fn sources(ops: &[Value]) -> Vec<&Value> {
    ops.iter()
        .filter(|o| o["Op"]["Op"]["source"].is_object())
        .collect()
}

fn git_op(line: &str) -> Value {
    let ops = ops(line).unwrap();
    let src = sources(&ops);
    assert_eq!(src.len(), 1, "{line}: {ops:?}");
    src[0].clone()
}

fn base_attrs(full_url: &str) -> Value {
    json!({
        "git.authheadersecret": "GIT_AUTH_HEADER",
        "git.authtokensecret": "GIT_AUTH_TOKEN",
        "git.fullurl": full_url,
    })
}

#[test]
fn https_dot_git_url_is_a_git_source_with_ref_and_subdir() {
    let op = git_op("ADD https://github.com/foo/bar.git#ref:subdir /x");
    let src = &op["Op"]["Op"]["source"];
    assert_eq!(src["identifier"], "git://github.com/foo/bar.git#ref:subdir");
    assert_eq!(src["attrs"], base_attrs("https://github.com/foo/bar.git"));
    assert_eq!(
        op["OpMetadata"]["caps"],
        json!({"source.git": true, "source.git.fullurl": true})
    );
    assert_eq!(
        op["OpMetadata"]["description"],
        json!({"llb.customname": "[1/1] ADD https://github.com/foo/bar.git#ref:subdir /x"})
    );
}

#[test]
fn keep_git_dir_flag_matches_buildkits_runc_source() {
    // The op BuildKit emits for moby/buildkit's own Dockerfile (runc stage).
    let op = git_op("ADD --keep-git-dir=true https://github.com/opencontainers/runc.git#v1.4.3 .");
    let src = &op["Op"]["Op"]["source"];
    assert_eq!(
        src["identifier"],
        "git://github.com/opencontainers/runc.git#v1.4.3"
    );
    let mut attrs = base_attrs("https://github.com/opencontainers/runc.git");
    attrs["git.keepgitdir"] = json!("true");
    assert_eq!(src["attrs"], attrs);
    assert_eq!(
        op["OpMetadata"]["caps"],
        json!({"source.git": true, "source.git.fullurl": true, "source.git.keepgitdir": true})
    );
}

#[test]
fn copy_takes_the_whole_checkout() {
    let all = ops("ADD --chmod=644 https://github.com/foo/bar.git /x").unwrap();
    let file = all
        .iter()
        .find(|o| o["Op"]["Op"]["file"].is_object())
        .expect("file op");
    let copy = &file["Op"]["Op"]["file"]["actions"][0]["Action"]["copy"];
    assert_eq!(copy["src"], "/");
    assert_eq!(copy["dest"], "/x");
    assert_eq!(copy["mode"], 0o644);
    assert_eq!(copy["createDestPath"], true);
    // No wildcard, symlink or unpack options: those belong to context sources.
    assert!(copy.get("allowWildcard").is_none(), "{copy}");
    assert!(
        copy.get("attemptUnpackDockerCompatibility").is_none(),
        "{copy}"
    );
}

#[test]
fn scp_style_remote_is_ssh() {
    let op = git_op("ADD git@github.com:moby/buildkit.git?subdir=/subdir#v1.0.0 /src");
    let src = &op["Op"]["Op"]["source"];
    // A query subdir is passed to `GitSubDir` as written.
    assert_eq!(
        src["identifier"],
        "git://github.com/moby/buildkit.git#v1.0.0:/subdir"
    );
    let mut attrs = base_attrs("git@github.com:moby/buildkit.git");
    attrs["git.mountsshsock"] = json!("default");
    assert_eq!(src["attrs"], attrs);
    assert_eq!(
        op["OpMetadata"]["caps"],
        json!({
            "source.git": true,
            "source.git.fullurl": true,
            "source.git.knownsshhosts": true,
            "source.git.mountsshsock": true,
        })
    );
}

#[test]
fn git_scheme_needs_no_dot_git() {
    let op = git_op("ADD git://example.com/foo /src");
    let src = &op["Op"]["Op"]["source"];
    assert_eq!(src["identifier"], "git://example.com/foo");
    assert_eq!(src["attrs"], base_attrs("git://example.com/foo"));
}

#[test]
fn query_options_become_attributes() {
    let op = git_op("ADD https://github.com/moby/buildkit.git?tag=v1.0.0&submodules=false&fetch-by-commit&checksum=deadbeef /src");
    let src = &op["Op"]["Op"]["source"];
    assert_eq!(
        src["identifier"],
        "git://github.com/moby/buildkit.git#refs/tags/v1.0.0"
    );
    let mut attrs = base_attrs("https://github.com/moby/buildkit.git");
    attrs["git.skipsubmodules"] = json!("true");
    attrs["git.fetchbycommit"] = json!("true");
    attrs["git.checksum"] = json!("deadbeef");
    assert_eq!(src["attrs"], attrs);

    let op = git_op("ADD https://github.com/moby/buildkit.git?branch=v1.0 /src");
    assert_eq!(
        op["Op"]["Op"]["source"]["identifier"],
        "git://github.com/moby/buildkit.git#refs/heads/v1.0"
    );
    let op = git_op("ADD https://foo:bar@github.com/moby/buildkit.git /src");
    assert_eq!(
        op["Op"]["Op"]["source"]["attrs"]["git.fullurl"],
        "https://foo:bar@github.com/moby/buildkit.git"
    );
}

#[test]
fn escaped_paths_keep_their_escapes_in_the_url_only() {
    // Go's URL keeps the escaped form in String() (the full URL) while llb.Git builds
    // the identifier from the decoded path.
    let op = git_op("ADD https://example.com/a%20b.git /x");
    let src = &op["Op"]["Op"]["source"];
    assert_eq!(src["identifier"], "git://example.com/a b.git");
    assert_eq!(src["attrs"]["git.fullurl"], "https://example.com/a%20b.git");
}

#[test]
fn checksum_flag_applies_to_git() {
    let op = git_op("ADD --checksum=0123abc https://github.com/foo/bar.git /src");
    assert_eq!(op["Op"]["Op"]["source"]["attrs"]["git.checksum"], "0123abc");
    assert_eq!(op["OpMetadata"]["caps"]["source.git.checksum"], true);
}

#[test]
fn non_git_urls_stay_http_or_local() {
    // No `.git`: an HTTP download named after the last path element.
    let op = git_op("ADD https://github.com/moby/buildkit /x");
    let src = &op["Op"]["Op"]["source"];
    assert_eq!(src["identifier"], "https://github.com/moby/buildkit");
    assert_eq!(src["attrs"]["http.filename"], "buildkit");
    for url in [
        "https://example.com/foo.git/",
        "https://example.com/foo.git.bar",
    ] {
        let op = git_op(&format!("ADD {url} /x"));
        assert_eq!(op["Op"]["Op"]["source"]["identifier"], url);
    }
    // `github.com/…` without a scheme is a path in the build context.
    let op = git_op("ADD github.com/moby/buildkit /x");
    assert_eq!(op["Op"]["Op"]["source"]["identifier"], "local://context");
    assert_eq!(
        op["Op"]["Op"]["source"]["attrs"]["local.followpaths"],
        "[\"github.com/moby/buildkit\"]"
    );
}

#[test]
fn buildkits_errors() {
    let cases = [
        (
            "COPY https://github.com/foo/bar.git /x",
            "source can't be a git ref for COPY",
        ),
        (
            "ADD https://github.com/moby/buildkit.git?invalid=123 /x",
            "unexpected query \"invalid\"",
        ),
        (
            "ADD https://github.com/moby/buildkit.git?ref=v1.0.0#v1.2.3 /x",
            "ref conflicts: \"v1.2.3\" vs \"v1.0.0\"",
        ),
        (
            "ADD https://github.com/moby/buildkit.git?tag=v1.0.0&branch=v1.0 /x",
            "branch conflicts with tag",
        ),
        (
            "ADD https://github.com/moby/buildkit.git?mtime=invalid /x",
            "invalid mtime value: \"invalid\" (must be \"checkout\" or \"commit\")",
        ),
        (
            "ADD --keep-git-dir=false https://github.com/foo/bar.git?keep-git-dir=true /x",
            "inconsistent keep-git-dir configuration",
        ),
        (
            "ADD --checksum=aaa https://github.com/foo/bar.git?checksum=bbb /x",
            "checksum mismatch \"aaa\" != \"bbb\"",
        ),
        (
            "ADD --checksum=sha256:abc ./local /x",
            "checksum requires HTTP(S) or Git sources",
        ),
        (
            "ADD --checksum=sha256:abc https://example.com/file /x",
            "invalid checksum digest length",
        ),
        (
            "ADD --checksum=md5:abc https://example.com/file /x",
            "unsupported digest algorithm",
        ),
        (
            "ADD --checksum=abc https://example.com/file /x",
            "invalid checksum digest format",
        ),
    ];
    for (line, want) in cases {
        match ops(line) {
            Ok(_) => panic!("{line}: compiled, expected {want:?}"),
            Err(got) => assert_eq!(got, want, "{line}"),
        }
    }
}
