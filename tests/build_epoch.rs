//! SOURCE_DATE_EPOCH from build to exporter, end to end through the real binary, as
//! root, offline (the base image from the busybox OCI layout fixture):
//!
//! - `SOURCE_DATE_EPOCH=N dfc build`, `dfc build --build-arg SOURCE_DATE_EPOCH=N` and
//!   `dfc compile --build-arg SOURCE_DATE_EPOCH=N | dfc run` export the same image
//!   (the epoch travels in-band on the terminal op, `dfc.epoch`);
//! - the epoch is the image's `created`, and another epoch gives another image;
//! - an explicit build arg wins over the environment (buildx's rule), and
//!   `SOURCE_DATE_EPOCH` given to `dfc run` wins over the in-band value (BuildKit's
//!   exporter attribute).

mod build_support;
mod common;
mod registry_support;

use std::path::{Path, PathBuf};

use build_support::{dfc, image_files, Image};

const DOCKERFILE: &str = "FROM busybox\nCOPY a.txt /a.txt\nRUN echo run > /b.txt\n";

struct Offline {
    tmp: tempfile::TempDir,
    layout: PathBuf,
}

impl Offline {
    /// `None` (with a message) when not root or `../shared` is missing.
    fn new() -> Option<Offline> {
        let layout = build_support::offline_layout()?;
        let tmp = tempfile::tempdir().unwrap();
        let ctx = tmp.path().join("ctx");
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::write(ctx.join("Dockerfile"), DOCKERFILE).unwrap();
        std::fs::write(ctx.join("a.txt"), "A\n").unwrap();
        Some(Offline { tmp, layout })
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// `dfc build` into a fresh store; the exported image.
    fn build(&self, name: &str, extra: &[&str], env: &[(&str, &str)]) -> Image {
        let dest = format!("{name}.tar");
        let out = format!("type=oci,dest={dest}");
        let mut args = vec![
            "build",
            "ctx",
            "--oci-layout",
            self.layout.to_str().unwrap(),
            "--root",
            name,
            "--progress",
            "plain",
            "-o",
            &out,
        ];
        args.extend_from_slice(extra);
        let (code, _, err) = dfc(&args, self.dir(), env);
        assert_eq!(code, 0, "{err}");
        image_files(&self.dir().join(dest))
    }

    /// `dfc compile … -o NAME.pb` then `dfc run NAME.pb` into a fresh store.
    fn compile_run(&self, name: &str, compile: &[&str], run_env: &[(&str, &str)]) -> Image {
        let pb = format!("{name}.pb");
        let mut args = vec![
            "compile",
            "ctx",
            "--oci-layout",
            self.layout.to_str().unwrap(),
            "-o",
            &pb,
        ];
        args.extend_from_slice(compile);
        let (code, _, err) = dfc(&args, self.dir(), &[]);
        assert_eq!(code, 0, "{err}");
        let dest = format!("{name}.tar");
        let out = format!("type=oci,dest={dest}");
        let args = [
            "run",
            &pb,
            "--oci-layout",
            self.layout.to_str().unwrap(),
            "--root",
            name,
            "--local",
            "context=ctx",
            "--progress",
            "plain",
            "-o",
            &out,
        ];
        let (code, _, err) = dfc(&args, self.dir(), run_env);
        assert_eq!(code, 0, "{err}");
        image_files(&self.dir().join(dest))
    }
}

#[test]
fn build_arg_env_and_compile_run_give_the_same_image() {
    let Some(w) = Offline::new() else { return };
    let arg = ["--build-arg", "SOURCE_DATE_EPOCH=1700000000"];
    let env = w.build("env", &[], &[("SOURCE_DATE_EPOCH", "1700000000")]);
    let by_arg = w.build("arg", &arg, &[]);
    let piped = w.compile_run("piped", &arg, &[]);
    assert_eq!(env.config["created"], "2023-11-14T22:13:20Z");
    assert_eq!(by_arg.manifest_digest, env.manifest_digest);
    assert_eq!(piped.manifest_digest, env.manifest_digest);
    assert_eq!(
        std::fs::read(w.dir().join("env.tar")).unwrap(),
        std::fs::read(w.dir().join("piped.tar")).unwrap(),
        "OCI tars differ"
    );

    // Another epoch, another image.
    let other = w.build(
        "other",
        &["--build-arg", "SOURCE_DATE_EPOCH=1600000000"],
        &[],
    );
    assert_eq!(other.config["created"], "2020-09-13T12:26:40Z");
    assert_ne!(other.manifest_digest, env.manifest_digest);

    // buildx: an explicit build arg wins over the environment.
    let both = w.build(
        "both",
        &["--build-arg", "SOURCE_DATE_EPOCH=1600000000"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert_eq!(both.manifest_digest, other.manifest_digest);

    // `dfc run`'s environment is an exporter option: it wins over the in-band epoch.
    let overridden = w.compile_run(
        "overridden",
        &["--build-arg", "SOURCE_DATE_EPOCH=1700000000"],
        &[("SOURCE_DATE_EPOCH", "1600000000")],
    );
    assert_eq!(overridden.config["created"], "2020-09-13T12:26:40Z");
}

#[test]
fn global_arg_default_reaches_the_exporter() {
    let Some(w) = Offline::new() else { return };
    let by_arg = w.build("arg", &["--build-arg", "SOURCE_DATE_EPOCH=1700000000"], &[]);
    let text = format!("ARG SOURCE_DATE_EPOCH=1700000000\n{DOCKERFILE}");
    std::fs::write(w.dir().join("ctx/Dockerfile"), text).unwrap();
    let by_default = w.build("default", &[], &[]);
    assert_eq!(by_default.config["created"], "2023-11-14T22:13:20Z");
    assert_eq!(by_default.layers, by_arg.layers);
}

#[test]
fn run_refuses_a_bad_epoch_in_the_environment() {
    let Some(w) = Offline::new() else { return };
    let (code, _, err) = dfc(
        &[
            "compile",
            "ctx",
            "--oci-layout",
            w.layout.to_str().unwrap(),
            "-o",
            "d.pb",
        ],
        w.dir(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = dfc(
        &["run", "d.pb", "--root", "s", "--local", "context=ctx"],
        w.dir(),
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("SOURCE_DATE_EPOCH=\"yesterday\""), "{err}");
}
