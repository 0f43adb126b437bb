//! The driver: global ARGs, stage states, target and reachability, base image
//! resolution, dispatch of every reachable stage, and the final Definition.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::ast::{Dockerfile, Instruction};
use crate::shell::Lexer;
use crate::syntax::Span;

use super::buildopts::BuildOpts;
use super::dispatch::{dispatch, Ctx};
use super::epoch;
use super::error::LowerError;
use super::graph::Graph;
use super::image::Image;
use super::names::prefix_command;
use super::ops::{self, Meta};
use super::platform::Platform;
use super::reference::Reference;
use super::resolver::{ImageResolver, ResolvedImage};
use super::stage::{Command, StageState};
use super::state::{EnvList, State};
use super::{CompileOptions, Compiled, DEFAULT_PATH};

/// Caches resolutions so the two passes ask the resolver once per reference.
struct CachedResolver<'a> {
    inner: &'a dyn ImageResolver,
    cache: RefCell<HashMap<(String, String), ResolvedImage>>,
}

impl CachedResolver<'_> {
    fn resolve(&self, r: &str, p: &Platform) -> Result<ResolvedImage, String> {
        let key = (r.to_string(), p.format());
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let got = self.inner.resolve(r, p).map_err(|e| e.to_string())?;
        self.cache.borrow_mut().insert(key, got.clone());
        Ok(got)
    }
}

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
    let (compiled, _) = run(&file, &codes, opts, &build_opts, &cached, Some(first.1))?;
    super::checks::enforce(source, &check_config, &opts.dockerignore)?;
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

type PassResult = (Compiled, BTreeSet<String>);

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
            let wd = super::dispatch::normalize_workdir("", &ds.image.config.working_dir);
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
    ))
}

fn resolve_bases(
    graph: &mut Graph,
    states: &mut [StageState],
    reachable: &BTreeSet<usize>,
    target_platform: &Platform,
    resolver: &CachedResolver<'_>,
) -> Result<(), LowerError> {
    #[allow(clippy::needless_range_loop)] // indices are stage ids shared with `base` and `deps`
    for i in 0..states.len() {
        if states[i].base.is_some() || states[i].dispatched || states[i].resolved {
            continue;
        }
        let is_reachable = reachable.contains(&i);
        states[i].resolved = is_reachable;
        if states[i].base_name == "scratch" {
            states[i].state = State::scratch();
            states[i].image = Image::empty(target_platform);
            states[i].platform = Some(target_platform.clone());
            states[i].is_scratch_base = true;
            if states[i].unregistered {
                states[i].dispatched = true;
            }
            continue;
        }
        resolve_base(
            graph,
            &mut states[i],
            is_reachable,
            target_platform,
            resolver,
        )?;
        if states[i].unregistered {
            states[i].dispatched = true;
        }
    }

    Ok(())
}

/// Prepends the ONBUILD triggers a stage inherits (from its base image's config, or the
/// ONBUILD instructions of its base stage) to its commands. Returns whether a trigger
/// reads another stage.
fn init_onbuild(
    states: &mut Vec<StageState>,
    d: usize,
    lexer: &Lexer,
    by_name: &mut HashMap<String, usize>,
) -> Result<bool, LowerError> {
    let mut triggers: Vec<String> = match states[d].base {
        None => std::mem::take(&mut states[d].image.config.on_build),
        Some(_) => Vec::new(),
    };
    if let Some(b) = states[d].base {
        if !states[d].onbuild_init {
            for c in &states[b].commands {
                if let Instruction::Onbuild(o) = &c.instruction {
                    triggers.push(o.expression.value.clone());
                }
            }
            states[d].onbuild_init = true;
        }
    }
    if triggers.is_empty() {
        return Ok(false);
    }
    let span = states[d].span;
    let mut cmds = Vec::new();
    let mut new_deps = false;
    for t in &triggers {
        let parsed = crate::syntax::parse(t);
        if let Some(e) = parsed.errors.first() {
            return Err(located(span, e.to_string()));
        }
        if parsed.file.nodes.len() != 1 {
            return Err(located(
                span,
                "onbuild trigger should be a single expression",
            ));
        }
        let node = &parsed.file.nodes[0];
        let instruction = match crate::ast::parse_instruction(node) {
            Ok(crate::ast::Parsed::Instruction(i)) => i,
            Ok(crate::ast::Parsed::Stage(_)) => {
                return Err(located(span, "FROM isn't allowed as an ONBUILD trigger"))
            }
            Err(e) => return Err(located(span, e.to_string())),
        };
        let mut cmd = Command {
            instruction,
            code: node.original.trim().to_string(),
            sources: Vec::new(),
            on_build: true,
        };
        cmd.sources = command_sources(&cmd, lexer, states, by_name)?;
        for s in cmd.sources.iter().flatten() {
            new_deps = true;
            if !states[d].deps.contains(s) {
                states[d].deps.push(*s);
            }
        }
        cmds.push(cmd);
    }
    states[d].cmd_total += cmds.len();
    cmds.append(&mut states[d].commands);
    states[d].commands = cmds;
    Ok(new_deps)
}

fn add_state(
    states: &mut Vec<StageState>,
    by_name: &mut HashMap<String, usize>,
    mut ds: StageState,
) {
    if let Some(b) = by_name.get(&ds.base_name) {
        ds.base = Some(*b);
    }
    let idx = states.len();
    if let Some(n) = &ds.name {
        by_name.insert(n.to_lowercase(), idx);
    }
    states.push(ds);
}

/// The stages a command reads, creating states for images named by `--from`.
fn command_sources(
    c: &Command,
    lexer: &Lexer,
    states: &mut Vec<StageState>,
    by_name: &mut HashMap<String, usize>,
) -> Result<Vec<Option<usize>>, LowerError> {
    let mut find = |from: &str, span: Span| -> usize {
        if let Some(i) = by_name.get(&from.to_lowercase()) {
            return *i;
        }
        add_state(
            states,
            by_name,
            StageState {
                base_name: from.to_string(),
                unregistered: true,
                span,
                ..StageState::default()
            },
        );
        states.len() - 1
    };
    match &c.instruction {
        Instruction::Copy(cp) => {
            let Some(from) = &cp.from else {
                return Ok(vec![]);
            };
            let expanded = lexer
                .process_word(&from.value, &EnvList::new())
                .map_err(|e| LowerError::at(cp.span, e.to_string()))?;
            if expanded != from.value {
                return Err(LowerError::at(cp.span, "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround"));
            }
            if let Ok(index) = from.value.parse::<i64>() {
                if index < 0 || index as usize >= states.len() {
                    return Err(LowerError::at(
                        cp.span,
                        format!("invalid stage index {index}"),
                    ));
                }
                return Ok(vec![Some(index as usize)]);
            }
            Ok(vec![Some(find(&from.value, cp.span))])
        }
        Instruction::Run(r) => {
            let mut out = Vec::new();
            for m in &r.mounts {
                let resolved = m.resolve::<String>(&mut |s| Ok(s.to_string()));
                let from = resolved.map(|m| m.from).unwrap_or_default();
                let from = if from.is_empty() {
                    "scratch".to_string()
                } else {
                    from
                };
                out.push(Some(find(&from, r.span)));
            }
            Ok(out)
        }
        _ => Ok(vec![]),
    }
}

fn check_cycles(states: &[StageState]) -> Result<(), LowerError> {
    // Depth-first search with colours over base and deps.
    fn visit(states: &[StageState], i: usize, colour: &mut [u8]) -> bool {
        if colour[i] == 1 {
            return false;
        }
        if colour[i] == 2 {
            return true;
        }
        colour[i] = 1;
        let nexts: Vec<usize> = states[i]
            .deps
            .iter()
            .copied()
            .chain(states[i].base)
            .collect();
        for nx in nexts {
            if !visit(states, nx, colour) {
                return false;
            }
        }
        colour[i] = 2;
        true
    }
    // BuildKit names the first stage (in file order) from which a cycle is reachable.
    let mut colour = vec![0u8; states.len()];
    for (i, st) in states.iter().enumerate() {
        if !visit(states, i, &mut colour) {
            return Err(LowerError::general(format!(
                "circular dependency detected on stage: {}",
                st.stage_name
            )));
        }
    }
    Ok(())
}

fn reachable_from(states: &[StageState], target: usize) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut stack = vec![target];
    while let Some(i) = stack.pop() {
        if !out.insert(i) {
            continue;
        }
        stack.extend(states[i].base);
        stack.extend(states[i].deps.iter().copied());
    }
    out
}

fn init_from_base(states: &mut [StageState], i: usize) {
    let Some(b) = states[i].base else { return };
    let base = states[b].clone();
    let ds = &mut states[i];
    ds.state = base.state;
    ds.platform = base.platform;
    ds.image = base.image;
    ds.image.config.on_build.clear();
    ds.paths = base.paths;
    ds.workdir_set = base.workdir_set;
    ds.build_args.extend(base.build_args);
}

fn resolve_base(
    graph: &mut Graph,
    ds: &mut StageState,
    reachable: bool,
    target_platform: &Platform,
    resolver: &CachedResolver<'_>,
) -> Result<(), LowerError> {
    let orig = ds.base_name.clone();
    let reference = Reference::parse_normalized(&orig).map_err(|e| {
        located(
            ds.span,
            format!("failed to parse stage name \"{orig}\": {e}"),
        )
    })?;
    let platform = ds
        .platform
        .clone()
        .unwrap_or_else(|| target_platform.clone());
    let mut reference = reference.tag_name_only();
    ds.base_name = reference.to_string();
    let mut is_scratch = false;
    if reachable {
        let resolved = resolver
            .resolve(&ds.base_name, &platform)
            .map_err(|e| located(ds.span, format!("{orig}: {e}")))?;
        let mut img: Image = serde_json::from_slice(&resolved.config)
            .map_err(|e| located(ds.span, format!("failed to parse image config: {e}")))?;
        img.created = None;
        reference = reference.with_digest(&resolved.digest);
        ds.base_name = reference.to_string();
        if img.rootfs.diff_ids.as_ref().map_or(true, |d| d.is_empty()) {
            is_scratch = img.history.iter().all(|h| h.empty_layer);
        }
        ds.image = img;
    }
    if is_scratch {
        ds.state = State::scratch();
    } else {
        let name = format!("FROM {}", ds.base_name);
        let custom = prefix_command(ds, &name);
        let out = ops::source(
            graph,
            format!("docker-image://{}", ds.base_name),
            BTreeMap::new(),
            Some(&platform),
            &[llb_schema::caps::SOURCE_IMAGE],
            Meta {
                custom_name: Some(custom),
                command: Some(ds.from_code.clone()),
                ..Meta::default()
            },
        );
        ds.state = State {
            output: Some(out),
            ..State::default()
        };
    }
    ds.platform = Some(platform);
    Ok(())
}
