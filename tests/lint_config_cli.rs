//! `dfc lint` configuration end to end: the real binary in a scratch directory with its
//! own `HOME`, finding `.hadolint.yaml` / `.dfc.toml` where hadolint would, the precedence
//! command line > `.dfc.toml` > `HADOLINT_*` > `.hadolint.yaml`, and errors for bad files.

use std::path::Path;
use std::process::{Command, Output};

const DOCKERFILE: &str = "FROM quay.io/org/app:1\nLABEL team=core\n";

/// Runs `dfc lint --format json Dockerfile` in `dir` with `HOME=dir/home` and no
/// `HADOLINT_*`/`XDG_*` variables but `env`.
fn dfc(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dfc"));
    cmd.current_dir(dir)
        .arg("lint")
        .args(["--format", "json"])
        .args(args)
        .arg("Dockerfile")
        .env("HOME", dir.join("home"))
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("NO_COLOR");
    for (k, _) in std::env::vars() {
        if k.starts_with("HADOLINT_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("dfc runs")
}

fn codes(out: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON output: {e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut codes: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("home")).unwrap();
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).unwrap();
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn without_configuration_the_configurable_rules_are_off() {
    let dir = scratch();
    let out = dfc(dir.path(), &[], &[]);
    assert!(!codes(&out).contains(&"DL3026".to_string()));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn hadolint_yaml_is_found_in_the_working_directory_then_home() {
    let dir = scratch();
    write(
        dir.path(),
        "home/.config/hadolint.yaml",
        "label-schema:\n  owner: text\n",
    );
    // Only the home file: its label schema applies.
    let out = dfc(dir.path(), &[], &[]);
    assert_eq!(codes(&out), ["DL3049"]);
    // The working directory's file wins; the home one is not read at all.
    write(
        dir.path(),
        ".hadolint.yml",
        "trustedRegistries: [docker.io]\n",
    );
    let out = dfc(dir.path(), &[], &[]);
    assert_eq!(codes(&out), ["DL3026"]);
    assert_eq!(out.status.code(), Some(1));
    // XDG_CONFIG_HOME is hadolint's second place, before ~/.hadolint/.
    std::fs::remove_file(dir.path().join(".hadolint.yml")).unwrap();
    write(
        dir.path(),
        "xdg/hadolint.yaml",
        "trustedRegistries: [docker.io]\n",
    );
    let xdg = dir.path().join("xdg");
    let out = dfc(
        dir.path(),
        &[],
        &[("XDG_CONFIG_HOME", xdg.to_str().unwrap())],
    );
    assert_eq!(codes(&out), ["DL3026"]);
    // --config names the one file to read.
    write(
        dir.path(),
        "ci.yaml",
        "strict-labels: true\nlabel-schema: {a: text}\n",
    );
    let out = dfc(dir.path(), &["--config", "ci.yaml"], &[]);
    assert_eq!(codes(&out), ["DL3049", "DL3050"]);
}

#[test]
fn precedence_is_command_line_then_dfc_toml_then_environment_then_hadolint_yaml() {
    let dir = scratch();
    write(
        dir.path(),
        ".hadolint.yaml",
        "trustedRegistries: [docker.io]\nfailure-threshold: style\noverride:\n  warning: [DL3026]\n",
    );
    let out = dfc(dir.path(), &[], &[]);
    assert_eq!(codes(&out), ["DL3026"]);
    assert_eq!(out.status.code(), Some(1));
    // The environment beats hadolint's file.
    let out = dfc(dir.path(), &[], &[("HADOLINT_FAILURE_THRESHOLD", "error")]);
    assert_eq!(out.status.code(), Some(0), "a warning is below `error`");
    // .dfc.toml beats the environment.
    write(
        dir.path(),
        ".dfc.toml",
        "[lint]\nfailure-threshold = \"warning\"\n",
    );
    let out = dfc(dir.path(), &[], &[("HADOLINT_FAILURE_THRESHOLD", "error")]);
    assert_eq!(out.status.code(), Some(1));
    // The command line beats everything.
    let out = dfc(dir.path(), &["--fail-level", "error"], &[]);
    assert_eq!(out.status.code(), Some(0));
    // Overrides stack the same way: the CLI's severity is the one reported.
    let out = dfc(dir.path(), &["--error", "DL3026"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["severity"], "error");
    // Ignored lists add up.
    let out = dfc(dir.path(), &[], &[("HADOLINT_IGNORE", "DL3026")]);
    assert!(codes(&out).is_empty());
}

#[test]
fn dfc_toml_check_replaces_the_file_directive() {
    let dir = scratch();
    write(
        dir.path(),
        "Dockerfile",
        "# check=skip=StageNameCasing\nFROM alpine:3.20 AS Build\nMAINTAINER me\n",
    );
    let out = dfc(dir.path(), &["--ignore", "DL4000"], &[]);
    assert_eq!(codes(&out), ["MaintainerDeprecated"]);
    write(
        dir.path(),
        ".dfc.toml",
        "[lint]\ncheck = \"skip=MaintainerDeprecated;error=true\"\n",
    );
    let out = dfc(dir.path(), &["--ignore", "DL4000"], &[]);
    assert_eq!(codes(&out), ["StageNameCasing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("lint violation found for rules: StageNameCasing"));
}

#[test]
fn bad_configuration_names_the_place_and_the_fix() {
    let dir = scratch();
    write(
        dir.path(),
        ".dfc.toml",
        "[lint]\ntrusted-registries = [\"a\"]\nignore = [\"DL3008\"]\n",
    );
    let out = dfc(dir.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no half-written output");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".dfc.toml:3:1: unknown field `ignore`"),
        "{err}"
    );
    assert!(
        err.contains("help: `.dfc.toml` has one table, [lint], with keys ignored"),
        "{err}"
    );

    let dir = scratch();
    write(
        dir.path(),
        ".hadolint.yaml",
        "override:\n  fatal: [DL3008]\n",
    );
    let out = dfc(dir.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".hadolint.yaml:2:3: override: unknown field `fatal`"),
        "{err}"
    );

    let out = dfc(dir.path(), &["--config", "missing.yaml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("cannot read the configuration file missing.yaml"));

    let dir = scratch();
    let out = dfc(dir.path(), &[], &[("HADOLINT_REQUIRE_LABELS", "a:date")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("HADOLINT_REQUIRE_LABELS: invalid label type `date`"));
}
