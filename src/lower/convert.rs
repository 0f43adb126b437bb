//! The driver: the check configuration, global ARGs and SOURCE_DATE_EPOCH, stage states,
//! the target, then (through `stages.rs` and `base.rs`) dependencies, reachability and
//! base images, dispatch of every reachable stage, and the final Definition; all of it
//! twice, the second pass with the build context's paths from the first.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use crate::ast::{Dockerfile, Instruction};
use crate::shell::Lexer;
use crate::syntax::Span;

use super::base::{init_from_base, resolve_bases, CachedResolver};
use super::buildopts::BuildOpts;
use super::dispatch::{dispatch, Ctx};
use super::epoch;
use super::error::LowerError;
use super::graph::Graph;
use super::platform::Platform;
use super::resolver::ImageResolver;
use super::stage::{Command, StageState};
use super::stages::{add_state, check_cycles, command_sources, init_onbuild, reachable_from};
use super::state::EnvList;
use super::{CompileOptions, Compiled, DEFAULT_PATH};

pub fn compile(
    source: &str,
    opts: &CompileOptions,
    resolver: &dyn ImageResolver,
) -> Result<Compiled, LowerError> {
    // BuildKit's client refuses removed options before it reads the Dockerfile.
    let build_opts = BuildOpts::from_build_args(&opts.build_args)?;
    // BuildKit reads the `# check=` directive before it parses the instructions.
    let lines = crate::syntax::parse(source);
    let check_config = super::checks::build_config(&lines.file, &opts.build_args)?;
    let file = crate::parse::parse(source).map_err(|e| LowerError::Parse {
        message: e.buildkit_message(source),
    })?;
    let codes: HashMap<u32, String> = lines
        .file
        .nodes
        .iter()
        .map(|n| (n.span.start, n.original.trim().to_string()))
        .collect();
    let cached = CachedResolver {
        inner: resolver,
        cache: RefCell::new(HashMap::new()),
    };
    // Pass 1 collects the context paths; pass 2 builds the final graph with them.
    let first = run(&file, &codes, opts, &build_opts, &cached, None)?;
    let (compiled, _, dispatched) = run(&file, &codes, opts, &build_opts, &cached, Some(first.1))?;
    super::checks::enforce(source, &check_config, &opts.dockerignore, dispatched)?;
    Ok(compiled)
}

fn default_args(opts: &CompileOptions, target_platform: &Platform, target: &str) -> EnvList {
    let bp = Platform::linux_amd64();
    let tp = target_platform;
    let target = if target.is_empty() { "default" } else { target };
    let pairs = [
        ("BUILDPLATFORM", bp.format()),
        ("BUILDOS", bp.os.clone()),
        ("BUILDOSVERSION", String::new()),
        ("BUILDARCH", bp.architecture.clone()),
        ("BUILDVARIANT", bp.variant.clone()),
        ("TARGETPLATFORM", tp.format()),
        ("TARGETOS", tp.os.clone()),
        ("TARGETOSVERSION", String::new()),
        ("TARGETARCH", tp.architecture.clone()),
        ("TARGETVARIANT", tp.variant.clone()),
        ("TARGETSTAGE", target.to_string()),
    ];
    let mut env = EnvList::new();
    for (k, v) in pairs {
        let v = opts.build_args.get(k).cloned().unwrap_or(v);
        env.add_or_replace(k, &v);
    }
    env
}

fn located(span: Span, message: impl Into<String>) -> LowerError {
    LowerError::at(span, message)
}

/// The result, the build context's paths, and the file's stages the target reached.
type PassResult = (Compiled, BTreeSet<String>, BTreeSet<usize>);

fn run(
    file: &Dockerfile,
    codes: &HashMap<u32, String>,
    opts: &CompileOptions,
    build_opts: &BuildOpts,
    resolver: &CachedResolver<'_>,
    ctx_paths: Option<BTreeSet<String>>,
) -> Result<PassResult, LowerError> {
    if file.stages.is_empty() {
        return Err(LowerError::NoStages);
    }
    let target_platform = opts.platform.clone().unwrap_or_else(Platform::linux_amd64);
    let lexer = Lexer::new(file.escape);
    let target_name = match &opts.target {
        Some(t) => t.clone(),
        None => file
            .stages
            .last()
            .and_then(|s| s.name().map(str::to_string))
            .unwrap_or_default(),
    };
    let mut global = default_args(opts, &target_platform, &target_name);
    for arg in &file.meta_args {
        for pair in &arg.args {
            let key = &pair.key.value;
            let value = match opts.build_args.get(key) {
                Some(v) => Some(v.clone()),
                None => match &pair.value {
                    Some(v) => Some(
                        lexer
                            .process_word(&v.value, &global)
                            .map_err(|e| located(arg.span, e.to_string()))?,
                    ),
                    None => None,
                },
            };
            if let Some(v) = value {
                global.add_or_replace(key, &v);
            }
        }
    }

    // SOURCE_DATE_EPOCH: resolved once the global ARGs are known, before any stage.
    let mut build_args = opts.build_args.clone();
    let epoch = match epoch::configured(&build_args, &global) {
        Some(v) => {
            let e = epoch::resolve(&v, file, &global, &build_args, &lexer)?;
            epoch::apply(e, &mut build_args, &mut global);
            e
        }
        None => None,
    };
    let created = epoch
        .map(epoch::rfc3339)
        .transpose()
        .map_err(LowerError::general)?;

    // Stage states.
    let mut states: Vec<StageState> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, st) in file.stages.iter().enumerate() {
        let base = lexer
            .process_word(st.base(), &global)
            .map_err(|e| located(st.from.span, e.to_string()))?;
        if base.is_empty() {
            return Err(located(
                st.from.span,
                format!("base name ({}) should not be blank", st.base()),
            ));
        }
        let mut ds = StageState {
            base_name: base,
            stage_name: st.name().map(str::to_string).unwrap_or_default(),
            name: st.name().map(str::to_string),
            from_code: st.from.code.clone(),
            span: st.from.span,
            ..StageState::default()
        };
        if let Some(p) = st.platform() {
            let m = lexer.process_word_with_matches(p, &global).map_err(|e| {
                located(
                    st.from.span,
                    format!("failed to process arguments for platform {e}"),
                )
            })?;
            let v = m.result;
            if v.is_empty() {
                // `wrapSuggestAny`: the first unset name close to a defined one.
                let keys = crate::shell::Env::keys(&global);
                let options: Vec<&str> = keys.iter().map(String::as_str).collect();
                let hint = m
                    .unmatched
                    .iter()
                    .find_map(|u| crate::ast::suggest::search(u, &options, true))
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                return Err(located(
                    st.from.span,
                    format!("empty platform value from expression {p}{hint}"),
                ));
            }
            let parsed = Platform::parse(&v)
                .map_err(|e| located(st.from.span, format!("failed to parse platform {p}: {e}")))?;
            ds.platform = Some(parsed);
        }
        if st.name().is_none() {
            ds.stage_name = format!("stage-{i}");
        }
        ds.commands = st
            .instructions
            .iter()
            .map(|ins| Command {
                code: codes.get(&ins.span().start).cloned().unwrap_or_default(),
                instruction: ins.clone(),
                sources: Vec::new(),
                on_build: false,
            })
            .collect();
        let mut total = 0;
        add_state(&mut states, &mut by_name, ds);
        let idx = states.len() - 1;
        let ds = &mut states[idx];
        if ds.base_name != "scratch" && ds.base.is_none() {
            total = 1;
        }
        for c in &ds.commands {
            if matches!(
                c.instruction,
                Instruction::Add(_)
                    | Instruction::Copy(_)
                    | Instruction::Run(_)
                    | Instruction::Workdir(_)
            ) {
                total += 1;
            }
        }
        ds.cmd_total = total;
    }

    let target = match &opts.target {
        None => states.len() - 1,
        Some(t) => *by_name.get(&t.to_lowercase()).ok_or_else(|| {
            LowerError::general(format!("target stage \"{t}\" could not be found"))
        })?,
    };

    // Dependencies of commands.
    let n = states.len();
    for i in 0..n {
        let mut cmds = std::mem::take(&mut states[i].commands);
        for c in cmds.iter_mut() {
            c.sources = command_sources(c, &lexer, &mut states, &mut by_name)?;
            for s in c.sources.iter().flatten() {
                if !states[i].deps.contains(s) {
                    states[i].deps.push(*s);
                }
            }
        }
        states[i].commands = cmds;
    }
    check_cycles(&states)?;
    if states.len() == 1 {
        states[0].stage_name = String::new();
    }

    let mut graph = Graph::new();
    // Resolution of base images, then ONBUILD triggers (which may add dependencies and
    // so make more stages reachable: repeat until nothing new appears).
    let mut reachable;
    loop {
        reachable = reachable_from(&states, target);
        resolve_bases(
            &mut graph,
            &mut states,
            &reachable,
            &target_platform,
            resolver,
        )?;
        let mut new_deps = false;
        for &d in &reachable {
            new_deps |= init_onbuild(&mut states, d, &lexer, &mut by_name)?;
        }
        if !new_deps {
            break;
        }
    }

    let ctx = Ctx {
        lexer: lexer.clone(),
        global: global.clone(),
        build_args,
        epoch,
        opts: build_opts.clone(),
        target_platform: target_platform.clone(),
        context_paths: ctx_paths.clone(),
        dockerignore: opts.dockerignore.clone(),
    };
    let mut collected = BTreeSet::new();
    let mut context = None;
    for i in 0..states.len() {
        if !reachable.contains(&i) || states[i].dispatched {
            continue;
        }
        init_from_base(&mut states, i);
        states[i].dispatched = true;
        let ds = &mut states[i];
        if ds.platform.is_none() {
            ds.platform = Some(target_platform.clone());
        }
        if !ds
            .image
            .config
            .env
            .iter()
            .any(|e| e.split('=').next() == Some("PATH"))
        {
            ds.image.config.env.push(format!("PATH={DEFAULT_PATH}"));
        }
        for e in ds.image.config.env.clone() {
            let (k, v) = e.split_once('=').unwrap_or((&e, ""));
            ds.state.env.add_or_replace(k, v);
        }
        if !ds.image.config.working_dir.is_empty() {
            let wd = super::dispatch_state::normalize_workdir("", &ds.image.config.working_dir);
            ds.image.config.working_dir = wd.clone();
            ds.state.set_dir(&wd);
        }
        if !ds.image.config.user.is_empty() {
            ds.state.user = Some(ds.image.config.user.clone());
        }
        let cmds = states[i].commands.clone();
        for cmd in &cmds {
            let committed = states[i].image.history.len();
            dispatch(
                &ctx,
                &mut graph,
                &mut states,
                i,
                cmd,
                &mut collected,
                &mut context,
            )
            .map_err(|e| match e {
                LowerError::General { message } => located(cmd.instruction.span(), message),
                other => other,
            })?;
            // `commitToHistory` stamps every entry with the epoch.
            for h in &mut states[i].image.history[committed..] {
                h.created.clone_from(&created);
            }
        }
    }

    // States past the file's stages are images named by `COPY --from`.
    let dispatched = reachable
        .into_iter()
        .filter(|&i| i < file.stages.len())
        .collect();
    let ds = &states[target];
    let mut image = ds.image.clone();
    image.os = target_platform.os.clone();
    image.architecture = target_platform.architecture.clone();
    let definition = graph.marshal(ds.state.output);
    Ok((
        Compiled {
            definition,
            image,
            epoch,
        },
        collected,
        dispatched,
    ))
}
