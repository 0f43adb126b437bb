//! Build args that are frontend options: proxies (`ProxyEnv` of every RUN), the sandbox
//! hostname, the cache mount namespace, the removed `BUILDKIT_DISABLE_FILEOP`, and
//! `BUILDKIT_DOCKERFILE_CHECK`. Expected values follow BuildKit's `dockerui/config.go`,
//! `dockerfile2llb/convert.go` and its `TestProxyEnvFromBuildArgs*` tests.

use dfc::lower::{compile, CompileOptions, LayoutResolver};
use serde_json::{json, Value};

fn build(text: &str, args: &[(&str, &str)]) -> Result<Vec<Value>, String> {
    let opts = CompileOptions {
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..CompileOptions::default()
    };
    // `FROM scratch` only: the layout is never opened.
    let c =
        compile(text, &opts, &LayoutResolver::new("/nonexistent")).map_err(|e| e.to_string())?;
    Ok(llb_schema::dump_json_lines(&c.definition)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect())
}

fn exec(ops: &[Value]) -> &Value {
    ops.iter()
        .find(|o| o["Op"]["Op"]["exec"].is_object())
        .expect("an exec op")
}

const RUN: &str = "FROM scratch\nRUN --mount=type=cache,target=/cache true\n";

#[test]
fn proxy_args_become_proxy_env_not_env() {
    let ops = build(
        RUN,
        &[
            ("ALL_PROXY", "all-upper"),
            ("all_proxy", "all-lower"),
            ("HTTP_PROXY", "http-upper"),
            ("http_proxy", "http-lower"),
            ("NO_PROXY", "no-proxy"),
        ],
    )
    .unwrap();
    let e = exec(&ops);
    let meta = &e["Op"]["Op"]["exec"]["meta"];
    assert_eq!(
        meta["proxy_env"],
        json!({"http_proxy": "http-lower", "no_proxy": "no-proxy", "all_proxy": "all-lower"})
    );
    assert_eq!(
        meta["env"],
        json!(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    );
    assert_eq!(e["OpMetadata"]["caps"]["exec.meta.proxyenv"], true);
}

#[test]
fn no_proxy_args_no_proxy_env() {
    let ops = build(RUN, &[("FOO", "bar")]).unwrap();
    let e = exec(&ops);
    assert!(e["Op"]["Op"]["exec"]["meta"].get("proxy_env").is_none());
    assert!(e["OpMetadata"]["caps"].get("exec.meta.proxyenv").is_none());
}

#[test]
fn hostname_and_cache_namespace() {
    let ops = build(
        RUN,
        &[
            ("BUILDKIT_SANDBOX_HOSTNAME", "builder"),
            ("BUILDKIT_CACHE_MOUNT_NS", "team"),
        ],
    )
    .unwrap();
    let exec = &exec(&ops)["Op"]["Op"]["exec"];
    assert_eq!(exec["meta"]["hostname"], "builder");
    let cache = exec["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["dest"] == "/cache")
        .unwrap();
    // `cacheIDNamespace + "/" + CacheID`, the id being the cleaned target.
    assert_eq!(cache["cacheOpt"]["ID"], "team//cache");
}

#[test]
fn disable_fileop_is_refused_when_true() {
    assert_eq!(
        build(RUN, &[("BUILDKIT_DISABLE_FILEOP", "1")]).unwrap_err(),
        "support for \"BUILDKIT_DISABLE_FILEOP\" build-arg was removed in BuildKit 0.11"
    );
    build(RUN, &[("BUILDKIT_DISABLE_FILEOP", "false")]).unwrap();
}

#[test]
fn dockerfile_check_arg_replaces_the_directive() {
    let text = "FROM scratch as base\ncopy a .\n";
    assert_eq!(
        build(text, &[("BUILDKIT_DOCKERFILE_CHECK", "error=true")]).unwrap_err(),
        "lint violation found for rules: ConsistentInstructionCasing, FromAsCasing"
    );
    let text = "#check=error=true\nFROM scratch as base\ncopy a .\n";
    build(text, &[("BUILDKIT_DOCKERFILE_CHECK", "skip=all")]).unwrap();
    let err = build(text, &[("BUILDKIT_DOCKERFILE_CHECK", "bogus")]).unwrap_err();
    assert!(
        err.starts_with("failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: "),
        "{err}"
    );
}
