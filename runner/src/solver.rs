//! The solver: runs a validated LLB graph against a [`Store`].
//!
//! A vertex becomes ready when all its inputs are solved; ready vertices run
//! on up to `parallelism` worker threads. For each vertex the solver forms
//! its cache key from the op digest and its inputs' content keys
//! (`cachekey.rs`), reuses the recorded snapshots on a hit (unless
//! `--no-cache` or the op's `ignore_cache`), else runs the op and records its
//! outputs. Equal ops are one vertex (the graph is keyed by op digest). The
//! first failure stops the solve: no new vertex starts, running ones are
//! told to cancel, and the error names the failed step with its output tail.
//!
//! What it does not do: export results (see the exporters) or display
//! progress (it emits [`Event`]s).

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::SystemTime;

use llb_schema::pb::SecurityMode;
use llb_schema::{Digest, ValidatedDefinition};

use crate::cachekey;
use crate::error::{OpError, SolveError};
use crate::exec::{Executor, NoExecutor};
use crate::ops::{self, OpContext};
use crate::progress::{Discard, Event, EventKind, ProgressSink};
use crate::store::{SnapshotId, Store};
use crate::vertex::{Plan, Vertex, VertexKind};

/// Lines of a failed step's output kept for the error.
const TAIL_LINES: usize = 10;
/// Bytes of output kept per step to find those lines.
const TAIL_BYTES: usize = 16 * 1024;

/// Configures a [`Solver`]; [`build`](Self::build) finishes it.
pub struct SolverBuilder {
    locals: BTreeMap<String, PathBuf>,
    executor: Arc<dyn Executor>,
    progress: Arc<dyn ProgressSink>,
    parallelism: usize,
    no_cache: bool,
    overlay: bool,
    registry: crate::registry::ClientConfig,
    layout: Option<PathBuf>,
    allow_insecure: bool,
    secrets: Arc<dyn crate::secrets::SecretProvider>,
    ssh: Option<Arc<dyn crate::ssh::SshAgents>>,
}

/// Runs definitions against one store.
pub struct Solver {
    cfg: SolverBuilder,
    client: crate::registry::Client,
    /// Cleared when an overlay mount is refused: later execs copy.
    overlay: AtomicBool,
}

/// How a vertex was satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its op ran.
    Ran,
    /// Its outputs came from the cache.
    Cached,
}

/// The result of a solve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solved {
    /// The result snapshot (scratch for the empty definition).
    pub result: SnapshotId,
    /// Each vertex's digest, name and outcome, in definition order.
    pub vertices: Vec<(Digest, String, Outcome)>,
    /// The result's layer history, root first (empty for scratch).
    pub lineage: Vec<crate::lineage::LineageStep>,
}

impl Solved {
    /// How many vertices ran (were not cached).
    pub fn ran(&self) -> usize {
        self.vertices.iter().filter(|v| v.2 == Outcome::Ran).count()
    }
}

impl Default for SolverBuilder {
    fn default() -> Self {
        SolverBuilder {
            locals: BTreeMap::new(),
            executor: Arc::new(NoExecutor::default()),
            progress: Arc::new(Discard),
            parallelism: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            no_cache: false,
            overlay: true,
            registry: crate::registry::ClientConfig::default(),
            layout: None,
            allow_insecure: false,
            secrets: Arc::new(crate::secrets::SecretMap::new()),
            ssh: None,
        }
    }
}

impl SolverBuilder {
    /// Adds a `--local NAME=DIR`.
    pub fn local(mut self, name: impl Into<String>, dir: impl Into<PathBuf>) -> Self {
        self.locals.insert(name.into(), dir.into());
        self
    }
    /// Sets the executor for exec ops.
    pub fn executor(mut self, e: Arc<dyn Executor>) -> Self {
        self.executor = e;
        self
    }
    /// Sets where progress events go.
    pub fn progress(mut self, p: Arc<dyn ProgressSink>) -> Self {
        self.progress = p;
        self
    }
    /// Sets how many vertices may run at once (at least 1).
    pub fn parallelism(mut self, n: usize) -> Self {
        self.parallelism = n.max(1);
        self
    }
    /// Ignores cache records (results are still recorded).
    pub fn no_cache(mut self, yes: bool) -> Self {
        self.no_cache = yes;
        self
    }
    /// Whether exec ops may run on overlayfs views of their input snapshots (the
    /// default; they fall back to copies when the mount is refused). `false` always
    /// copies.
    pub fn overlay(mut self, yes: bool) -> Self {
        self.overlay = yes;
        self
    }
    /// Sets registry credentials and mirrors for image sources.
    pub fn registry(mut self, cfg: crate::registry::ClientConfig) -> Self {
        self.registry = cfg;
        self
    }
    /// Serves every `docker-image://` source from this OCI image layout
    /// instead of registries (offline builds).
    pub fn image_layout(mut self, dir: impl Into<PathBuf>) -> Self {
        self.layout = Some(dir.into());
        self
    }
    /// Allows exec ops with `security=insecure` (buildx's
    /// `--allow security.insecure`); without it they fail naming the flag.
    pub fn allow_insecure(mut self, yes: bool) -> Self {
        self.allow_insecure = yes;
        self
    }
    /// Serves the secrets exec ops ask for (`--secret`); without it every secret is
    /// "not provided" (an error unless the mount or variable is optional).
    pub fn secrets(mut self, s: Arc<dyn crate::secrets::SecretProvider>) -> Self {
        self.secrets = s;
        self
    }
    /// Forwards these SSH agents to `RUN --mount=type=ssh` steps (`--ssh`);
    /// without it every required ssh mount fails naming its id.
    pub fn ssh(mut self, agents: Arc<dyn crate::ssh::SshAgents>) -> Self {
        self.ssh = Some(agents);
        self
    }
    /// Finishes the configuration.
    pub fn build(self) -> Solver {
        let client = crate::registry::Client::new(self.registry.clone());
        let overlay = AtomicBool::new(self.overlay);
        Solver {
            cfg: self,
            client,
            overlay,
        }
    }
}

struct State {
    waiting: Vec<usize>,
    ready: VecDeque<usize>,
    results: Vec<Option<(Vec<SnapshotId>, Outcome)>>,
    done: usize,
    failure: Option<SolveError>,
}

impl Solver {
    /// Whether exec ops run on overlayfs views: asked for, and no mount refused yet.
    pub fn uses_overlay(&self) -> bool {
        self.overlay.load(Ordering::Relaxed)
    }

    /// A builder with defaults: no locals, [`NoExecutor`], no progress
    /// display, one worker per core, cache on.
    pub fn builder() -> SolverBuilder {
        SolverBuilder::default()
    }

    /// Solves `def` in `store` and returns the result snapshot.
    pub fn solve(&self, store: &Store, def: &ValidatedDefinition) -> Result<Solved, SolveError> {
        let plan = Plan::new(def);
        // Entitlements are checked before anything runs, as BuildKit does: a step
        // cached by an allowed build is still refused when the flag is missing.
        if !self.cfg.allow_insecure {
            if let Some(v) = plan.vertices.iter().find(|v| {
                matches!(&v.kind, VertexKind::Exec(e)
                    if SecurityMode::try_from(e.security) == Ok(SecurityMode::Insecure))
            }) {
                return Err(SolveError::Step {
                    name: v.name.clone(),
                    digest: v.digest,
                    output_tail: Vec::new(),
                    source: Box::new(OpError::NotAllowed {
                        entitlement: "security.insecure",
                    }),
                });
            }
        }
        // BuildKit's --no-cache also forgets the cache mounts of the steps it reruns.
        ops::cache_mount::reset_for(store, &plan, self.cfg.no_cache)?;
        let n = plan.vertices.len();
        let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut waiting = vec![0usize; n];
        for (i, v) in plan.vertices.iter().enumerate() {
            let mut ins: Vec<usize> = v.inputs.iter().map(|x| x.0).collect();
            ins.sort_unstable();
            ins.dedup();
            waiting[i] = ins.len();
            for x in ins {
                consumers[x].push(i);
            }
        }
        let ready = (0..n).filter(|&i| waiting[i] == 0).collect();
        let state = Mutex::new(State {
            waiting,
            ready,
            results: vec![None; n],
            done: 0,
            failure: None,
        });
        let wake = Condvar::new();
        let cancel = AtomicBool::new(false);
        let workers = self.cfg.parallelism.min(n.max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| self.worker(store, &plan, &consumers, &state, &wake, &cancel));
            }
        });
        let st = state.into_inner().map_err(|_| SolveError::WorkerLost)?;
        if let Some(f) = st.failure {
            return Err(f);
        }
        if st.done != n {
            return Err(SolveError::WorkerLost);
        }
        let result = match plan.result {
            None => store.scratch()?,
            Some((v, out)) => {
                let outs = &st.results[v].as_ref().ok_or(SolveError::WorkerLost)?.0;
                *outs.get(out as usize).ok_or_else(|| SolveError::Step {
                    name: "result".to_string(),
                    digest: plan.vertices[v].digest,
                    output_tail: Vec::new(),
                    source: Box::new(OpError::BadOutput {
                        index: 0,
                        output: out,
                        available: outs.len(),
                    }),
                })?
            }
        };
        let outputs: Vec<Vec<SnapshotId>> = st
            .results
            .iter()
            .map(|r| r.as_ref().map(|r| r.0.clone()).unwrap_or_default())
            .collect();
        let lineage = match plan.result {
            Some((v, out)) => crate::lineage::chain(&plan, &outputs, v, out),
            None => Vec::new(),
        };
        let vertices = plan
            .vertices
            .iter()
            .zip(st.results)
            .map(|(v, r)| {
                (
                    v.digest,
                    v.name.clone(),
                    r.map(|r| r.1).unwrap_or(Outcome::Ran),
                )
            })
            .collect();
        Ok(Solved {
            result,
            vertices,
            lineage,
        })
    }

    fn worker(
        &self,
        store: &Store,
        plan: &Plan,
        consumers: &[Vec<usize>],
        state: &Mutex<State>,
        wake: &Condvar,
        cancel: &AtomicBool,
    ) {
        let total = plan.vertices.len();
        loop {
            // Take a ready vertex and its inputs' snapshots.
            let picked = {
                let Ok(mut st) = state.lock() else { return };
                loop {
                    if st.failure.is_some() || st.done == total {
                        wake.notify_all();
                        return;
                    }
                    if let Some(i) = st.ready.pop_front() {
                        break (i, gather_inputs(&plan.vertices[i], &st.results));
                    }
                    st = match wake.wait(st) {
                        Ok(g) => g,
                        Err(_) => return,
                    };
                }
            };
            let (i, inputs) = picked;
            let v = &plan.vertices[i];
            let outcome = inputs.and_then(|ins| self.solve_vertex(store, v, &ins, cancel));
            let Ok(mut st) = state.lock() else { return };
            match outcome {
                Ok(r) => {
                    st.results[i] = Some(r);
                    st.done += 1;
                    for &c in &consumers[i] {
                        st.waiting[c] -= 1;
                        if st.waiting[c] == 0 {
                            st.ready.push_back(c);
                        }
                    }
                }
                Err((source, output_tail)) => {
                    self.emit(v, EventKind::Failed(source.to_string()));
                    if st.failure.is_none() {
                        st.failure = Some(SolveError::Step {
                            name: v.name.clone(),
                            digest: v.digest,
                            output_tail,
                            source: Box::new(source),
                        });
                    }
                    cancel.store(true, Ordering::SeqCst);
                }
            }
            wake.notify_all();
        }
    }

    fn emit(&self, v: &Vertex, kind: EventKind) {
        self.cfg.progress.event(Event {
            vertex: v.digest,
            name: v.name.clone(),
            kind,
            at: SystemTime::now(),
        });
    }

    /// Solves one vertex: cache lookup or run, then record.
    fn solve_vertex(
        &self,
        store: &Store,
        v: &Vertex,
        inputs: &[SnapshotId],
        cancel: &AtomicBool,
    ) -> Result<(Vec<SnapshotId>, Outcome), (OpError, Vec<String>)> {
        self.emit(v, EventKind::Started);
        let use_cache = !self.cfg.no_cache && !v.ignore_cache;
        let mut tail: Vec<u8> = Vec::new();
        let progress = &self.cfg.progress;
        let mut log = |chunk: &[u8]| {
            tail.extend_from_slice(chunk);
            if tail.len() > TAIL_BYTES {
                tail.drain(..tail.len() - TAIL_BYTES);
            }
            progress.event(Event {
                vertex: v.digest,
                name: v.name.clone(),
                kind: EventKind::Log(chunk.to_vec()),
                at: SystemTime::now(),
            });
        };
        let mut ctx = OpContext {
            store,
            locals: &self.cfg.locals,
            executor: self.cfg.executor.as_ref(),
            cancel,
            log: &mut log,
            registry: &self.client,
            layout: self.cfg.layout.as_deref(),
            overlay: &self.overlay,
            allow_insecure: self.cfg.allow_insecure,
            secrets: self.cfg.secrets.as_ref(),
            ssh: self.cfg.ssh.as_ref(),
        };
        let result = (|| -> Result<(Vec<SnapshotId>, Outcome), OpError> {
            if ops::keyed_by_content(v) {
                let outs = ops::run(&mut ctx, v, inputs)?;
                let key = cachekey::content_key(&v.digest, &outs[0].0);
                let seen =
                    use_cache && store.lookup(&cachekey::output_key(&key, 0)) == Some(outs[0]);
                store.record(&cachekey::output_key(&key, 0), &outs[0])?;
                return Ok((outs, if seen { Outcome::Cached } else { Outcome::Ran }));
            }
            if let Some(content) = ops::remote_key(&ctx, v)? {
                let key = cachekey::output_key(&cachekey::content_key(&v.digest, &content), 0);
                if use_cache {
                    if let Some(hit) = store.lookup(&key) {
                        return Ok((vec![hit], Outcome::Cached));
                    }
                }
                let outs = ops::run(&mut ctx, v, inputs)?;
                store.record(&key, &outs[0])?;
                return Ok((outs, Outcome::Ran));
            }
            let deps = ops::dep_keys(store, v, inputs)?;
            let key = cachekey::vertex_key(&v.digest, &deps);
            if use_cache && v.outputs > 0 {
                let hits: Vec<SnapshotId> = (0..v.outputs)
                    .map_while(|o| store.lookup(&cachekey::output_key(&key, o)))
                    .collect();
                if hits.len() == v.outputs {
                    return Ok((hits, Outcome::Cached));
                }
            }
            let outs = ops::run(&mut ctx, v, inputs)?;
            for (o, id) in outs.iter().enumerate() {
                store.record(&cachekey::output_key(&key, o), id)?;
            }
            Ok((outs, Outcome::Ran))
        })();
        match result {
            Ok(r) => {
                self.emit(
                    v,
                    if r.1 == Outcome::Cached {
                        EventKind::Cached
                    } else {
                        EventKind::Completed
                    },
                );
                Ok(r)
            }
            Err(e) => Err((e, tail_lines(&tail))),
        }
    }
}

/// The snapshots a vertex's inputs name, or why one is missing.
fn gather_inputs(
    v: &Vertex,
    results: &[Option<(Vec<SnapshotId>, Outcome)>],
) -> Result<Vec<SnapshotId>, (OpError, Vec<String>)> {
    v.inputs
        .iter()
        .enumerate()
        .map(|(index, &(src, out))| {
            let outs = results
                .get(src)
                .and_then(|r| r.as_ref())
                .map(|r| r.0.as_slice())
                .unwrap_or(&[]);
            usize::try_from(out)
                .ok()
                .and_then(|o| outs.get(o).copied())
                .ok_or((
                    OpError::BadOutput {
                        index,
                        output: out,
                        available: outs.len(),
                    },
                    Vec::new(),
                ))
        })
        .collect()
}

/// The last lines of a step's output.
fn tail_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}
