//! `dfc compile`: a Dockerfile to BuildKit LLB (`pb.Definition` bytes), with the image
//! config in-band and optionally written to a file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::lower::{
    compile, dockerignore, CompileOptions, Compiled, ImageResolver, LayoutResolver, Platform,
};
use crate::registry::{Credentials, RegistryConfig, RegistryResolver};

use super::render::{read_input, report, Input};
use super::Status;

#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    inputs: CompileInputs,
    /// Also write the image config JSON to FILE.
    #[arg(long = "image-config", value_name = "FILE")]
    image_config: Option<PathBuf>,
    /// Write the Definition to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// What a compilation reads, shared by `dfc compile` and `dfc build`.
#[derive(Debug, Args)]
pub struct CompileInputs {
    /// The build context directory (its `.dockerignore` is read).
    #[arg(default_value = ".")]
    pub context: PathBuf,
    /// The Dockerfile (default: CONTEXT/Dockerfile); - for standard input.
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// The stage to build (default: the last one).
    #[arg(long)]
    pub target: Option<String>,
    /// A build argument, KEY=VALUE (repeatable).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// The target platform (default: linux/amd64).
    #[arg(long)]
    pub platform: Option<String>,
    /// Resolve every image from this OCI image layout instead of a registry.
    #[arg(long = "oci-layout", value_name = "DIR")]
    pub oci_layout: Option<PathBuf>,
    /// Registry mirrors and transport settings: buildkitd.toml `[registry."HOST"]` tables
    /// (`mirrors`, `http`, `insecure`).
    #[arg(
        long = "registry-config",
        value_name = "FILE",
        conflicts_with = "oci_layout"
    )]
    pub registry_config: Option<PathBuf>,
}

/// Compiles the inputs' Dockerfile; errors are reported here (rendered with the
/// source where they have a place) and come back as the status to exit with.
pub(crate) fn compile_inputs(inputs: &CompileInputs) -> Result<Compiled, Status> {
    let file = inputs
        .file
        .clone()
        .unwrap_or_else(|| inputs.context.join("Dockerfile"));
    let input = read_input(&file).map_err(|msg| {
        eprintln!("error: {msg}");
        Status::Failure
    })?;
    let prepared = options(inputs, &file).and_then(|o| Ok((o, resolver(inputs)?)));
    let (opts, resolver) = prepared.map_err(|msg| {
        eprintln!("error: {msg}");
        Status::Failure
    })?;
    compile(&input.text, &opts, resolver.as_ref()).map_err(|e| fail(&input, e))
}

pub fn run(args: CompileArgs) -> Status {
    let compiled = match compile_inputs(&args.inputs) {
        Ok(c) => c,
        Err(status) => return status,
    };
    if let Some(path) = &args.image_config {
        let mut json = compiled.image.to_json();
        json.push('\n');
        if let Err(e) = std::fs::write(path, json) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return Status::Failure;
        }
    }
    let bytes = llb_schema::encode_definition(&compiled.definition_with_config());
    match &args.output {
        Some(path) => match std::fs::write(path, &bytes) {
            Ok(()) => Status::Clean,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                Status::Failure
            }
        },
        None => super::emit_bytes(&bytes),
    }
}

/// The OCI layout when one is given, else registries (with `~/.docker/config.json`).
fn resolver(args: &CompileInputs) -> Result<Box<dyn ImageResolver>, String> {
    if let Some(dir) = &args.oci_layout {
        return Ok(Box::new(LayoutResolver::new(dir)));
    }
    let config = match &args.registry_config {
        Some(path) => RegistryConfig::load(path).map_err(|e| e.to_string())?,
        None => RegistryConfig::default(),
    };
    let credentials = Credentials::from_environment().map_err(|e| e.to_string())?;
    let r = RegistryResolver::new(config, credentials);
    Ok(Box::new(r))
}

fn fail(input: &Input, e: crate::lower::LowerError) -> Status {
    report(input, e);
    Status::Failure
}

fn options(args: &CompileInputs, file: &Path) -> Result<CompileOptions, String> {
    let mut build_args = BTreeMap::new();
    for kv in &args.build_args {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--build-arg {kv}: expected KEY=VALUE"))?;
        build_args.insert(k.to_string(), v.to_string());
    }
    let platform = args
        .platform
        .as_deref()
        .map(Platform::parse)
        .transpose()
        .map_err(|e| format!("--platform: {e}"))?;
    // `<Dockerfile>.dockerignore` next to the Dockerfile wins over CONTEXT/.dockerignore.
    let mut candidates = Vec::new();
    if file.as_os_str() != "-" {
        let mut own = file.as_os_str().to_owned();
        own.push(".dockerignore");
        candidates.push(PathBuf::from(own));
    }
    candidates.push(args.context.join(".dockerignore"));
    let dockerignore = candidates
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .map(|b| dockerignore::parse(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    Ok(CompileOptions {
        target: args.target.clone(),
        build_args,
        platform,
        dockerignore,
    })
}
