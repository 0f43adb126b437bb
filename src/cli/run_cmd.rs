//! `dfc run`: execute an LLB definition (as `dfc compile` writes it) with the
//! bundled runner, show progress, and export the result (`--output`).

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use runner::export::layer::Compression;
use runner::export::oci::write_oci_tar;
use runner::llb_schema::{Digest, ValidatedDefinition};
use runner::{Event, EventKind, ProgressSink, SolveError, Solver, Store};

use super::Status;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The LLB definition (protobuf bytes), or - for standard input.
    #[arg(default_value = "-")]
    file: PathBuf,
    /// A local source directory: NAME=DIR (repeatable).
    #[arg(long = "local", value_name = "NAME=DIR")]
    locals: Vec<String>,
    /// Where the result goes: type=local|tar|oci|docker,dest=PATH[,name=NAME] (dest - is stdout),
    /// or type=image,name=NAME,push=true; image outputs take
    /// compression=uncompressed|gzip|zstd and compression-level=N.
    #[arg(long, short = 'o', value_name = "SPEC")]
    output: Vec<String>,
    /// Image name for type=oci outputs.
    #[arg(long, short = 't')]
    tag: Option<String>,
    /// The store directory (default: /var/lib/dfc for root, else under $XDG_DATA_HOME).
    #[arg(long)]
    root: Option<PathBuf>,
    /// A Docker config.json with registry credentials (`auths`, `credHelpers`, `credsStore`;
    /// default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json, if present).
    #[arg(long, value_name = "FILE")]
    registry_config: Option<PathBuf>,
    /// Ignore cached results.
    #[arg(long)]
    no_cache: bool,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    progress: Progress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Progress {
    /// tty when standard error is a terminal, else plain.
    Auto,
    /// A live display redrawn in place.
    Tty,
    /// BuildKit's plain progress lines.
    Plain,
    /// One JSON object per event.
    Rawjson,
}

/// BuildKit-style live display for a terminal: one line per started step
/// (number, name, elapsed time or CACHED/DONE/ERROR) and the last output
/// line of each running step, redrawn in place on every event.
struct Tty {
    state: Mutex<TtyState>,
}

/// A started step: vertex, name, start, status (empty while running), last output line.
type Row = (Digest, String, SystemTime, String, String);

#[derive(Default)]
struct TtyState {
    /// Started steps in start order.
    rows: Vec<Row>,
    /// Lines drawn last time (to move the cursor back over them).
    drawn: usize,
}

impl ProgressSink for Tty {
    fn event(&self, e: Event) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let idx = match st.rows.iter().position(|r| r.0 == e.vertex) {
            Some(i) => i,
            None => {
                st.rows
                    .push((e.vertex, e.name.clone(), e.at, String::new(), String::new()));
                st.rows.len() - 1
            }
        };
        let secs =
            e.at.duration_since(st.rows[idx].2)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
        match &e.kind {
            EventKind::Started => {}
            EventKind::Cached => st.rows[idx].3 = "CACHED".into(),
            EventKind::Completed => st.rows[idx].3 = format!("DONE {secs:.1}s"),
            EventKind::Failed(m) => st.rows[idx].3 = format!("ERROR: {m}"),
            EventKind::Log(b) => {
                if let Some(l) = String::from_utf8_lossy(b)
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                {
                    st.rows[idx].4 = l.chars().take(100).collect();
                }
            }
        }
        let mut text = String::new();
        if st.drawn > 0 {
            text.push_str(&format!("\x1b[{}A", st.drawn));
        }
        let mut lines = 0;
        for (i, (_, name, started, status, last)) in st.rows.iter().enumerate() {
            let shown = if status.is_empty() {
                format!(
                    "{:.1}s",
                    e.at.duration_since(*started)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(0.0)
                )
            } else {
                status.clone()
            };
            text.push_str(&format!("\x1b[2K => [{}] {name} {shown}\n", i + 1));
            lines += 1;
            if status.is_empty() && !last.is_empty() {
                text.push_str(&format!("\x1b[2K    {last}\n"));
                lines += 1;
            }
        }
        for _ in lines..st.drawn {
            text.push_str("\x1b[2K\n");
        }
        st.drawn = lines.max(st.drawn);
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}

/// Each vertex's display number and start time, and the last number given.
type Numbering = (BTreeMap<Digest, (usize, SystemTime)>, usize);

/// Prints events to stderr as they arrive.
struct Printer {
    json: bool,
    state: Mutex<Numbering>,
}

impl ProgressSink for Printer {
    fn event(&self, e: Event) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let next = st.1 + 1;
        let (n, started) = *st.0.entry(e.vertex).or_insert((next, e.at));
        if n == next {
            st.1 = next;
        }
        let at =
            e.at.duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
        let secs =
            e.at.duration_since(started)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
        let mut err = io::stderr().lock();
        let _ = if self.json {
            let (kind, text) = match &e.kind {
                EventKind::Started => ("started", String::new()),
                EventKind::Cached => ("cached", String::new()),
                EventKind::Completed => ("completed", String::new()),
                EventKind::Failed(m) => ("error", m.clone()),
                EventKind::Log(b) => ("log", String::from_utf8_lossy(b).into_owned()),
            };
            let v = serde_json::json!({"vertex": e.vertex.to_string(), "name": e.name, "event": kind, "time": at, "text": text});
            writeln!(err, "{v}")
        } else {
            match &e.kind {
                EventKind::Started => writeln!(err, "#{n} {}", e.name),
                EventKind::Cached => writeln!(err, "#{n} CACHED"),
                EventKind::Completed => writeln!(err, "#{n} DONE {secs:.1}s"),
                EventKind::Failed(m) => writeln!(err, "#{n} ERROR: {m}"),
                EventKind::Log(b) => String::from_utf8_lossy(b)
                    .lines()
                    .try_for_each(|l| writeln!(err, "#{n} {secs:.3} {l}")),
            }
        };
    }
}

fn fail(msg: impl std::fmt::Display) -> Status {
    eprintln!("error: {msg}");
    Status::Failure
}

/// The error and its causes, one per line.
fn chain(e: &dyn std::error::Error) -> String {
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

fn layers(spec: &str, kv: &BTreeMap<&str, String>) -> Result<Layers, String> {
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
    let mut kv = BTreeMap::new();
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
            "--output {spec:?}: type= must be local, tar, oci or docker"
        )),
    }
}

fn open_dest(dest: &Path) -> io::Result<Box<dyn Write>> {
    if dest == Path::new("-") {
        Ok(Box::new(io::stdout().lock()))
    } else {
        Ok(Box::new(io::BufWriter::new(std::fs::File::create(dest)?)))
    }
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
    let tty = match args.progress {
        Progress::Tty => true,
        Progress::Auto => io::stderr().is_terminal(),
        Progress::Plain | Progress::Rawjson => false,
    };
    let progress: Arc<dyn ProgressSink> = if tty {
        Arc::new(Tty {
            state: Mutex::new(TtyState::default()),
        })
    } else {
        Arc::new(Printer {
            json: args.progress == Progress::Rawjson,
            state: Mutex::new((BTreeMap::new(), 0)),
        })
    };
    let mut builder = Solver::builder()
        .no_cache(args.no_cache)
        .executor(executor)
        .progress(progress);
    let credentials = match &args.registry_config {
        Some(path) => runner::registry::Credentials::load(path),
        None => runner::registry::Credentials::from_environment(),
    };
    let registry = match credentials {
        Ok(credentials) => runner::registry::ClientConfig {
            credentials,
            ..Default::default()
        },
        Err(e) => return fail(e.to_string()),
    };
    builder = builder.registry(registry.clone());
    for l in &args.locals {
        let Some((name, dir)) = l.split_once('=') else {
            return fail(format!("--local {l:?}: expected NAME=DIR"));
        };
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
    let solved = match builder.build().solve(&store, &def) {
        Ok(s) => s,
        Err(e @ SolveError::Step { .. }) => {
            eprintln!("error: {}", chain(&e));
            return Status::Findings;
        }
        Err(e) => return fail(chain(&e)),
    };
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.parse::<i64>().ok());
    let snap = store.snapshot_path(&solved.result);
    for out in outputs {
        let res = match out {
            Output::Local(dest) => runner::export::local(&snap, &dest).map_err(|e| chain(&e)),
            Output::Tar(dest) => open_dest(&dest)
                .map_err(|e| format!("cannot write {}: {e}", dest.display()))
                .and_then(|mut w| {
                    runner::export::tar_tree(&snap, epoch, &mut w).map_err(|e| chain(&e))
                }),
            Output::Oci(dest, name, docker, layers) => {
                let req = runner::export::plan::image_request(
                    &store,
                    &solved.lineage,
                    epoch,
                    layers.compression,
                );
                match (req, store.staging(), open_dest(&dest)) {
                    (Ok(mut req), Ok(tmp), Ok(mut w)) => {
                        req.compression_level = layers.level;
                        req.name = name;
                        req.docker = docker;
                        write_oci_tar(&req, tmp.path(), &mut w)
                            .map(|_| ())
                            .map_err(|e| chain(&e))
                    }
                    (Err(e), _, _) => Err(chain(&e)),
                    (_, Err(e), _) => Err(chain(&e)),
                    (_, _, Err(e)) => Err(format!("cannot write {}: {e}", dest.display())),
                }
            }
            Output::Push(name, layers) => {
                let client = runner::registry::Client::new(registry.clone());
                let req = runner::export::plan::image_request(
                    &store,
                    &solved.lineage,
                    epoch,
                    layers.compression,
                );
                match (req, store.staging()) {
                    (Ok(mut req), Ok(tmp)) => {
                        req.compression_level = layers.level;
                        runner::export::push::push(&req, &name, &client, tmp.path())
                            .map(|_| ())
                            .map_err(|e| chain(&e))
                    }
                    (Err(e), _) => Err(chain(&e)),
                    (_, Err(e)) => Err(chain(&e)),
                }
            }
        };
        if let Err(e) = res {
            return fail(e);
        }
    }
    Status::Clean
}
