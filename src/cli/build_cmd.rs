//! `dfc build`: compile a Dockerfile and run the LLB in one process, with buildx's
//! flags. The build context is the runner's `local://context`; the image config
//! travels in-band on the terminal op exactly as `dfc compile` writes it, so
//! `dfc compile … | dfc run …` and `dfc build …` export the same image.
//!
//! What it does not do: named build contexts (`--build-context`, which lowering
//! does not read yet).

use clap::Args;
use runner::llb_schema::ValidatedDefinition;

use super::compile_cmd::{compile_inputs, CompileInputs};
use super::run_cmd::{chain, docker_credentials, execute, fail, preflight, RunnerArgs, Sources};
use super::Status;
use crate::registry::RegistryConfig;

const EPOCH_ARG: &str = "SOURCE_DATE_EPOCH";

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    inputs: CompileInputs,
    #[command(flatten)]
    runner: RunnerArgs,
}

pub fn run(mut args: BuildArgs) -> Status {
    if !args.inputs.context.is_dir() {
        return fail(format!(
            "build context {}: not a directory",
            args.inputs.context.display()
        ));
    }
    if let Err(e) = preflight(&args.runner, args.inputs.oci_layout.as_deref()) {
        return fail(e);
    }
    // As buildx does: a non-empty SOURCE_DATE_EPOCH in the environment is the build
    // arg unless one is given. The frontend resolves it and puts it in-band for the
    // exporter, so this equals `dfc compile --build-arg SOURCE_DATE_EPOCH=N | dfc run`.
    if let Ok(v) = std::env::var(EPOCH_ARG) {
        let given = args
            .inputs
            .build_args
            .iter()
            .any(|a| a.split_once('=').is_some_and(|(k, _)| k == EPOCH_ARG));
        if !v.is_empty() && !given {
            args.inputs.build_args.push(format!("{EPOCH_ARG}={v}"));
        }
    }
    let compiled = match compile_inputs(&args.inputs) {
        Ok(c) => c,
        Err(status) => return status,
    };
    let def = match ValidatedDefinition::new(compiled.definition_with_config()) {
        Ok(d) => d,
        Err(e) => return fail(format!("the compiled LLB is invalid: {}", chain(&e))),
    };
    let mut registry = match docker_credentials(None) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    // The runner pulls images through the same mirrors and transports the compiler
    // resolved them with.
    if let Some(path) = &args.inputs.registry_config {
        match RegistryConfig::load(path) {
            Ok(cfg) => registry.registry = cfg,
            Err(e) => return fail(e),
        }
    }
    // rawjson keeps standard error one JSON object per line.
    if args.runner.output.is_empty() && args.runner.progress != super::progress::Progress::Rawjson {
        eprintln!(
            "note: no --output given: the result stays in the store only (add -o type=oci,dest=FILE, -o DIR, ...)"
        );
    }
    let sources = Sources {
        registry,
        locals: vec![("context".to_string(), args.inputs.context.clone())],
        layout: args.inputs.oci_layout.clone(),
    };
    execute(&def, &args.runner, sources, None)
}
