//! `dfc run`: execute an LLB definition (as `dfc compile` writes it) with the
//! bundled runner, show progress, and export the result (`--output`).
//! [`execute`] is shared with `dfc build`, which hands it a definition it has
//! just compiled.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use runner::export::layer::Compression;
use runner::export::oci::write_oci_tar;
use runner::llb_schema::ValidatedDefinition;
use runner::{SolveError, Solver, Store};

use super::progress::{self, Progress};
use super::Status;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The LLB definition (protobuf bytes), or - for standard input.
    #[arg(default_value = "-")]
    file: PathBuf,
    /// A local source directory: NAME=DIR (repeatable).
    #[arg(long = "local", value_name = "NAME=DIR")]
    locals: Vec<String>,
    /// A Docker config.json with registry credentials (default: ~/.docker/config.json if present).
    #[arg(long, value_name = "FILE", conflicts_with = "oci_layout")]
    registry_config: Option<PathBuf>,
    /// Serve every image source from this OCI image layout instead of registries.
    #[arg(long = "oci-layout", value_name = "DIR")]
    oci_layout: Option<PathBuf>,
    #[command(flatten)]
    runner: RunnerArgs,
}

/// Where a solve's sources come from besides the definition.
pub(crate) struct Sources {
    /// Registry credentials and mirrors for image sources and pushes.
    pub registry: runner::registry::ClientConfig,
    /// `local://NAME` directories.
    pub locals: Vec<(String, PathBuf)>,
    /// An OCI image layout serving every image source.
    pub layout: Option<PathBuf>,
}

/// Options of the runner and its exporters, shared by `dfc run` and `dfc build`.
#[derive(Debug, Args)]
pub struct RunnerArgs {
    /// Where the result goes: type=local|tar|oci|docker,dest=PATH[,name=NAME], or
    /// type=image,name=NAME,push=true (repeatable; dest - is stdout; a bare DIR is
    /// type=local, a bare - a tar on stdout); image outputs take
    /// compression=uncompressed|gzip|zstd and compression-level=N.
    #[arg(long, short = 'o', value_name = "SPEC")]
    pub output: Vec<String>,
    /// Image name for type=oci|docker|image outputs.
    #[arg(long, short = 't')]
    pub tag: Option<String>,
    /// The store directory (default: /var/lib/dfc for root, else under $XDG_DATA_HOME).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Ignore cached results (results are still recorded); as with BuildKit, the
    /// cache mounts (`RUN --mount=type=cache`) of the steps that rerun start empty.
    #[arg(long)]
    pub no_cache: bool,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Grant an entitlement (repeatable): security.insecure lets
    /// `RUN --security=insecure` steps run with the host's devices.
    #[arg(long, value_name = "ENTITLEMENT", value_parser = ["security.insecure"])]
    pub allow: Vec<String>,
    /// A secret for `RUN --mount=type=secret` (repeatable), as buildx's:
    /// id=ID,src=FILE | id=ID,env=VAR | id=ID (the variable ID if set, else the file
    /// ID); type=file|env.
    #[arg(long = "secret", value_name = "SPEC")]
    pub secret: Vec<String>,
    /// Forward an SSH agent to `RUN --mount=type=ssh` steps (repeatable):
    /// default|ID[=SOCKET|KEYFILE[,KEYFILE...]]; an id alone forwards $SSH_AUTH_SOCK,
    /// key files are served by an in-process agent.
    #[arg(long, value_name = "ID[=SOCKET|KEYFILE,...]")]
    pub ssh: Vec<String>,
}

/// The agents `--ssh` forwards (`None` without the flag).
fn ssh_agents(args: &RunnerArgs) -> Result<Option<crate::ssh_forward::SshForward>, String> {
    if args.ssh.is_empty() {
        return Ok(None);
    }
    let sock = std::env::var_os("SSH_AUTH_SOCK");
    crate::ssh_forward::SshForward::from_flags(&args.ssh, sock.as_deref())
        .map(Some)
        .map_err(|e| e.to_string())
}

pub(crate) fn fail(msg: impl std::fmt::Display) -> Status {
    eprintln!("error: {msg}");
    Status::Failure
}

/// The error and its causes, one per line.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(&format!("\n  caused by: {c}"));
        cur = c.source();
    }
    s
}

enum Output {
    Local(PathBuf),
    Tar(PathBuf),
    Oci(PathBuf, Option<String>, bool, Layers),
    Push(String, Layers),
}

/// `compression=` and `compression-level=` of an image output.
#[derive(Clone, Copy)]
struct Layers {
    compression: Compression,
    level: Option<i32>,
}

fn layers(spec: &str, kv: &std::collections::BTreeMap<&str, String>) -> Result<Layers, String> {
    let compression = match kv.get("compression") {
        Some(c) => Compression::parse(c).map_err(|e| format!("--output {spec:?}: {e}"))?,
        None => Compression::Gzip,
    };
    let level = match kv.get("compression-level") {
        Some(l) => {
            let n: i32 = l.parse().map_err(|_| {
                format!("--output {spec:?}: compression-level={l:?} is not a number")
            })?;
            compression
                .check_level(n)
                .map_err(|e| format!("--output {spec:?}: {e}"))?;
            Some(n)
        }
        None => None,
    };
    Ok(Layers { compression, level })
}

fn parse_output(spec: &str, tag: &Option<String>) -> Result<Output, String> {
    if !spec.contains('=') && !spec.contains(',') {
        // buildx's shorthands: `-o DIR` and `-o -`.
        return Ok(if spec == "-" {
            Output::Tar(PathBuf::from("-"))
        } else {
            Output::Local(PathBuf::from(spec))
        });
    }
    let mut kv = std::collections::BTreeMap::new();
    for part in spec.split(',') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("--output {spec:?}: expected key=value pairs"))?;
        kv.insert(k.trim(), v.trim().to_string());
    }
    let dest = || {
        kv.get("dest")
            .map(PathBuf::from)
            .ok_or_else(|| format!("--output {spec:?}: dest= is required"))
    };
    match kv.get("type").map(String::as_str) {
        Some("local") => Ok(Output::Local(dest()?)),
        Some("tar") => Ok(Output::Tar(dest()?)),
        Some(t @ ("oci" | "docker")) => Ok(Output::Oci(
            dest()?,
            kv.get("name").cloned().or_else(|| tag.clone()),
            t == "docker",
            layers(spec, &kv)?,
        )),
        Some(t @ ("image" | "registry")) => {
            let name = kv
                .get("name")
                .cloned()
                .or_else(|| tag.clone())
                .ok_or_else(|| format!("--output type={t} needs name= (or -t)"))?;
            if t == "image" && kv.get("push").map(String::as_str) != Some("true") {
                return Err("--output type=image without push=true: there is no image store to load into; add push=true or use type=oci/docker".into());
            }
            Ok(Output::Push(name, layers(spec, &kv)?))
        }
        _ => Err(format!(
            "--output {spec:?}: type= must be local, tar, oci, docker or image"
        )),
    }
}

/// Writes an output file through `write`: to standard output for `-`, else to an
/// unnamed file beside `dest` renamed over it once complete (`output_file.rs`), so a
/// failed or killed export leaves no half-written file.
fn write_dest(
    dest: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> Result<(), String> {
    if dest == Path::new("-") {
        return write(&mut io::stdout().lock());
    }
    let cannot = |e: io::Error| format!("cannot write {}: {e}", dest.display());
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = super::output_file::OutputFile::create(dir).map_err(cannot)?;
    let mut w = io::BufWriter::new(tmp);
    write(&mut w)?;
    let tmp = w.into_inner().map_err(|e| cannot(e.into_error()))?;
    tmp.persist(dest).map_err(cannot)?;
    Ok(())
}

/// Registry credentials from a Docker config.json (`auths`, `credHelpers`, `credsStore`):
/// `path`, else `$DOCKER_CONFIG/config.json`, else ~/.docker/config.json, if present.
pub(crate) fn docker_credentials(
    path: Option<&Path>,
) -> Result<runner::registry::ClientConfig, String> {
    let credentials = match path {
        Some(p) => runner::registry::Credentials::load(p),
        None => runner::registry::Credentials::from_environment(),
    };
    credentials
        .map(|credentials| runner::registry::ClientConfig {
            credentials,
            ..Default::default()
        })
        .map_err(|e| e.to_string())
}

pub fn run(args: RunArgs) -> Status {
    let mut bytes = Vec::new();
    let read = if args.file == Path::new("-") {
        io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(&args.file).map(|b| bytes = b)
    };
    if let Err(e) = read {
        return fail(format!("cannot read {}: {e}", args.file.display()));
    }
    let def = match ValidatedDefinition::from_bytes(&bytes) {
        Ok(d) => d,
        Err(e) => return fail(format!("{}: {}", args.file.display(), chain(&e))),
    };
    let registry = match docker_credentials(args.registry_config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(format!("--registry-config {e}")),
    };
    let mut locals = Vec::new();
    for l in &args.locals {
        let Some((name, dir)) = l.split_once('=') else {
            return fail(format!("--local {l:?}: expected NAME=DIR"));
        };
        locals.push((name.to_string(), PathBuf::from(dir)));
    }
    let sources = Sources {
        registry,
        locals,
        layout: args.oci_layout,
    };
    // The environment variable is `dfc run`'s exporter option (BuildKit's
    // `source-date-epoch` exporter attribute): it wins over the in-band epoch.
    let epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => match v.parse::<i64>() {
            Ok(e) => Some(e),
            Err(e) => {
                return fail(format!(
                    "SOURCE_DATE_EPOCH={v:?}: {e}; give a whole number of seconds or unset it"
                ))
            }
        },
        _ => None,
    };
    execute(&def, &args.runner, sources, epoch)
}

/// Checks the flags that need no work to check (`--output` specs, the layout
/// directory, `--ssh` sockets and keys), so that a typo fails before anything
/// is compiled or run.
pub(crate) fn preflight(args: &RunnerArgs, layout: Option<&Path>) -> Result<(), String> {
    for o in &args.output {
        parse_output(o, &args.tag)?;
    }
    super::secret_flag::load(&args.secret)?;
    ssh_agents(args)?;
    if let Some(dir) = layout {
        if !dir.join("index.json").is_file() {
            return Err(format!(
                "--oci-layout {}: no index.json there; give the directory of an OCI image layout",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Solves `def` with the runner and writes every `--output`, with timestamps from
/// `exporter_epoch` when given, else from the SOURCE_DATE_EPOCH the frontend put in-band.
pub(crate) fn execute(
    def: &ValidatedDefinition,
    args: &RunnerArgs,
    sources: Sources,
    exporter_epoch: Option<i64>,
) -> Status {
    let Sources {
        registry,
        locals,
        layout,
    } = sources;
    let outputs: Vec<Output> = match args
        .output
        .iter()
        .map(|o| parse_output(o, &args.tag))
        .collect()
    {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let executor: Arc<dyn runner::Executor> = match runner::NamespaceExecutor::new() {
        Ok(e) => Arc::new(e),
        Err(reason) => Arc::new(runner::NoExecutor { reason }),
    };
    let mut builder = Solver::builder()
        .no_cache(args.no_cache)
        .allow_insecure(args.allow.iter().any(|a| a == "security.insecure"))
        .executor(executor)
        .progress(progress::sink(args.progress))
        .registry(registry.clone());
    if let Err(e) = preflight(args, layout.as_deref()) {
        return fail(e);
    }
    match super::secret_flag::load(&args.secret) {
        Ok(s) => builder = builder.secrets(Arc::new(s)),
        Err(e) => return fail(e),
    }
    if let Some(dir) = &layout {
        builder = builder.image_layout(dir);
    }
    match ssh_agents(args) {
        Ok(Some(agents)) => builder = builder.ssh(Arc::new(agents)),
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    for (name, dir) in &locals {
        builder = builder.local(name, dir);
    }
    let root = args
        .root
        .clone()
        .unwrap_or_else(runner::store::default_root);
    let store = match Store::open(&root) {
        Ok(s) => s,
        Err(e) => return fail(chain(&e)),
    };
    let solved = match builder.build().solve(&store, def) {
        Ok(s) => s,
        Err(e @ SolveError::Step { .. }) => {
            eprintln!("error: {}", chain(&e));
            return Status::Findings;
        }
        Err(e) => return fail(chain(&e)),
    };
    // An explicit exporter epoch wins over the frontend's, as in BuildKit.
    let epoch = match exporter_epoch {
        Some(e) => Some(e),
        None => match runner::export::plan::inband_epoch(def) {
            Ok(e) => e,
            Err(e) => return fail(chain(&e)),
        },
    };
    let snap = store.snapshot_path(&solved.result);
    let request = |layers: Layers| {
        runner::export::plan::image_request_for(
            &store,
            def,
            &solved.lineage,
            epoch,
            layers.compression,
        )
        .map(|mut req| {
            req.compression_level = layers.level;
            req
        })
        .map_err(|e| chain(&e))
    };
    for out in outputs {
        let res = match out {
            Output::Local(dest) => runner::export::local(&snap, &dest).map_err(|e| chain(&e)),
            Output::Tar(dest) => write_dest(&dest, |w| {
                runner::export::tar_tree(&snap, epoch, w).map_err(|e| chain(&e))
            }),
            Output::Oci(dest, name, docker, layers) => request(layers).and_then(|mut req| {
                req.name = name;
                req.docker = docker;
                let tmp = store.staging().map_err(|e| chain(&e))?;
                write_dest(&dest, |w| {
                    write_oci_tar(&req, tmp.path(), w)
                        .map(|_| ())
                        .map_err(|e| chain(&e))
                })
            }),
            Output::Push(name, layers) => request(layers).and_then(|req| {
                let client = runner::registry::Client::new(registry.clone());
                let tmp = store.staging().map_err(|e| chain(&e))?;
                runner::export::push::push(&req, &name, &client, tmp.path())
                    .map(|_| ())
                    .map_err(|e| chain(&e))
            }),
        };
        if let Err(e) = res {
            return fail(e);
        }
    }
    Status::Clean
}
