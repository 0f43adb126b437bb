//! The converter's part of the checks: setting up each stage from its FROM (base name and
//! platform), then dispatching every instruction of every stage with the stage's
//! environment, as BuildKit's `dispatch` does for `docker build --check`. A build
//! dispatches only the stages its target reaches ([`Input::stages`]); the others get no
//! per-instruction checks and no base-image platform check.

use std::collections::BTreeMap;

use crate::ast::{Dockerfile, Instruction, ShellOrExec};
use crate::lint::config::CheckConfig;
use crate::lint::rules::buildkit as rules;
use crate::lint::sink::Sink;
use crate::shell::{EnvMap, Lexer};
use crate::syntax::{Node, Span};

use super::{reference, Globals, Input, TARGET_PLATFORM};

pub(super) mod conversion;

/// What a stage inherits from an earlier stage it is based on.
#[derive(Clone, Debug, Default)]
struct StageState {
    env: EnvMap,
    build_args: Vec<String>,
    workdir_set: bool,
    shell_set: bool,
}

/// BuildKit's `buildDispatchStates`: checks each FROM's image and platform, and returns
/// for each stage the index of the earlier stage it is based on, if any.
pub(super) fn setup_stages(
    input: &Input<'_>,
    sink: &mut Sink,
    base: &CheckConfig,
    globals: &Globals,
) -> Result<Vec<Option<usize>>, String> {
    let mut bases = Vec::new();
    let names_for_from = globals.names_for_from();
    for (i, stage) in input.tree.stages.iter().enumerate() {
        let from = &stage.from;
        let config = base.merged_from_comments(&from.comments);
        let name_match = globals.expand(stage.base());
        if let Ok(m) = &name_match {
            rules::undefined_arg_in_from::check(
                sink,
                &config,
                &m.unmatched,
                &names_for_from,
                from.base.span,
                from.span,
            );
        }
        let name_match = name_match?;
        if name_match.result.is_empty() {
            return Err(format!("base name ({}) should not be blank", stage.base()));
        }
        let resolved = name_match.result.to_lowercase();
        let base_stage = input.tree.stages[..i]
            .iter()
            .position(|s| s.name() == Some(resolved.as_str()));
        if let Some(platform) = &from.platform {
            let m = globals.expand(&platform.value);
            if let Ok(m) = &m {
                rules::undefined_arg_in_from::check(
                    sink,
                    &config,
                    &m.unmatched,
                    &names_for_from,
                    platform.span,
                    from.span,
                );
                rules::redundant_target_platform::check(
                    sink,
                    &config,
                    &platform.value,
                    m,
                    TARGET_PLATFORM,
                    platform.span,
                    from.span,
                );
                if let Some((os, arch)) = reference::parse_platform(&m.result) {
                    let stage_name = stage.name().unwrap_or_default();
                    rules::from_platform_flag_const_disallowed::check(
                        sink,
                        &config,
                        stage_name,
                        m,
                        (&os, &arch),
                        platform.span,
                        from.span,
                    );
                }
            }
            let m = m.map_err(|e| {
                format!(
                    "failed to process arguments for platform {}: {e}",
                    platform.value
                )
            })?;
            if m.result.is_empty() {
                let message = format!("empty platform value from expression {}", platform.value);
                return Err(suggest_any(message, &m.unmatched, globals));
            }
            let Some((os, arch)) = reference::parse_platform(&m.result) else {
                return Err(format!("failed to parse platform {}", platform.value));
            };
            if input.dispatches(i)
                && base_stage.is_none()
                && resolved != "scratch"
                && (os != "linux" || arch != "amd64")
            {
                rules::invalid_base_image_platform::check(
                    sink,
                    &config,
                    &reference::normalize(&name_match.result),
                    &format!("{os}/{arch}"),
                    TARGET_PLATFORM,
                    from.base.span,
                    from.span,
                );
            }
        }
        bases.push(base_stage);
    }
    Ok(bases)
}

/// BuildKit's `wrapSuggestAny`: " (did you mean X?)" for the first unmatched name (in
/// name order) that is a near miss of a global ARG.
fn suggest_any(
    message: String,
    unmatched: &std::collections::BTreeSet<String>,
    globals: &Globals,
) -> String {
    let keys: Vec<String> = globals.args.iter().map(|(k, _)| k.to_string()).collect();
    for name in unmatched {
        if let Some(m) = crate::ast::suggest::search(name, &keys, true) {
            return format!("{message} (did you mean {m}?)");
        }
    }
    message
}

/// `COPY --from` must not use variables (checked before any instruction is dispatched).
pub(super) fn check_copy_from(tree: &Dockerfile) -> Result<(), String> {
    let lexer = Lexer::new(tree.escape);
    for stage in &tree.stages {
        for instruction in &stage.instructions {
            if let Instruction::Copy(copy) = instruction {
                if let Some(from) = &copy.from {
                    let same = lexer
                        .process_word(&from.value, &EnvMap::new())
                        .map(|r| r == from.value);
                    match same {
                        Ok(true) => {}
                        Ok(false) => return Err("variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround".to_string()),
                        Err(e) => return Err(e.to_string()),
                    }
                }
            }
        }
    }
    conversion::circular_dependency(tree)
}

/// The latest CMD / ENTRYPOINT / HEALTHCHECK of a stage: (keyword span, instruction span).
type Tracker = Option<(Span, Span)>;

pub(super) fn dispatch_all(
    input: &Input<'_>,
    sink: &mut Sink,
    base: &CheckConfig,
    globals: &Globals,
    bases: &[Option<usize>],
    nodes: &BTreeMap<u32, &Node>,
) -> Result<(), String> {
    let mut done: Vec<StageState> = Vec::new();
    let has = |stages: &[crate::ast::Stage], f: fn(&Instruction) -> bool| {
        stages.iter().any(|s| s.instructions.iter().any(f))
    };
    let stages = &input.tree.stages;
    // A CMD's words go to any ENTRYPOINT instead of `/bin/sh -c`; an exec-form
    // ENTRYPOINT takes the words of a CMD of its stage or a later one, which the shell
    // form dropped. Either makes the exec-form rewrite run something else.
    let any_entrypoint = has(stages, |i| matches!(i, Instruction::Entrypoint(_)));
    for (i, stage) in input.tree.stages.iter().enumerate() {
        let mut st = match bases.get(i).copied().flatten().and_then(|b| done.get(b)) {
            Some(parent) => parent.clone(),
            None => {
                let mut s = StageState::default();
                s.env.set(
                    "PATH",
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                );
                s
            }
        };
        if !input.dispatches(i) {
            done.push(st);
            continue;
        }
        let mut d = Dispatcher {
            sink: &mut *sink,
            globals,
            ignore: input.ignore,
            cmd: None,
            entrypoint: None,
            healthcheck: None,
            fix_cmd: !any_entrypoint,
            fix_entrypoint: !has(&stages[i..], |i| matches!(i, Instruction::Cmd(_))),
        };
        for instruction in &stage.instructions {
            let comments = nodes
                .get(&instruction.span().start)
                .map(|n| n.comments.as_slice())
                .unwrap_or_default();
            let config = base.merged_from_comments(comments);
            d.dispatch(&mut st, instruction, &config)?;
        }
        done.push(st);
    }
    Ok(())
}

struct Dispatcher<'s, 'a, 'g> {
    sink: &'s mut Sink<'a>,
    globals: &'g Globals,
    ignore: Option<&'g super::ignore::IgnoreMatcher>,
    cmd: Tracker,
    entrypoint: Tracker,
    healthcheck: Tracker,
    /// The exec-form fix of JSONArgsRecommended may rewrite this stage's CMD / ENTRYPOINT.
    fix_cmd: bool,
    fix_entrypoint: bool,
}

impl Dispatcher<'_, '_, '_> {
    /// Expands one word with the stage's environment and reports undefined variables.
    fn expand(
        &mut self,
        st: &StageState,
        config: &CheckConfig,
        lexer: &Lexer,
        word: &str,
        span: Span,
        instruction: Span,
    ) -> Result<String, String> {
        let m = lexer
            .process_word_with_matches(word, &st.env)
            .map_err(|e| e.to_string())?;
        let keys: Vec<String> = st.env.iter().map(|(k, _)| k.to_string()).collect();
        rules::undefined_var::check(
            self.sink,
            config,
            &m.unmatched,
            &st.build_args,
            &keys,
            span,
            instruction,
        );
        Ok(m.result)
    }

    fn dispatch(
        &mut self,
        st: &mut StageState,
        instruction: &Instruction,
        config: &CheckConfig,
    ) -> Result<(), String> {
        let lexer = self.globals.lexer.clone();
        let whole = instruction.span();
        let keyword = instruction.keyword();
        match instruction {
            Instruction::Env(env) => {
                let mut expanded = Vec::new();
                for pair in &env.pairs {
                    let k =
                        self.expand(st, config, &lexer, &pair.key.value, pair.key.span, whole)?;
                    let v = self.expand(
                        st,
                        config,
                        &lexer,
                        &pair.value.value,
                        pair.value.span,
                        whole,
                    )?;
                    expanded.push((k, v));
                }
                for (pair, (k, v)) in env.pairs.iter().zip(expanded) {
                    if pair.legacy {
                        rules::legacy_key_value_format::check(
                            self.sink,
                            config,
                            &keyword.value,
                            pair,
                            whole,
                        );
                    }
                    rules::secrets_used_in_arg_or_env::check(
                        self.sink,
                        config,
                        "ENV",
                        &k,
                        pair.key.span,
                        whole,
                    );
                    st.env.set(k, v);
                }
            }
            Instruction::Label(label) => {
                for pair in &label.pairs {
                    self.expand(st, config, &lexer, &pair.key.value, pair.key.span, whole)?;
                    self.expand(
                        st,
                        config,
                        &lexer,
                        &pair.value.value,
                        pair.value.span,
                        whole,
                    )?;
                }
                for pair in &label.pairs {
                    if pair.legacy {
                        rules::legacy_key_value_format::check(
                            self.sink,
                            config,
                            &keyword.value,
                            pair,
                            whole,
                        );
                    }
                }
            }
            Instruction::Copy(copy) => {
                let mut chmod = None;
                if let Some(flag) = &copy.chown {
                    self.expand(st, config, &lexer, &flag.value, flag.span, whole)?;
                }
                if let Some(flag) = &copy.chmod {
                    chmod = Some(self.expand(st, config, &lexer, &flag.value, flag.span, whole)?);
                }
                let sources =
                    self.expand_sources(st, config, &lexer, &copy.sources, &copy.dest, whole)?;
                self.expand_heredocs(st, config, &copy.heredocs, whole)?;
                self.copy_checks(config, copy, chmod.as_deref(), &sources, whole)?;
            }
            Instruction::Add(add) => {
                let mut values = Vec::new();
                for flag in [&add.chown, &add.chmod, &add.checksum] {
                    values.push(match flag {
                        Some(f) => Some(self.expand(st, config, &lexer, &f.value, f.span, whole)?),
                        None => None,
                    });
                }
                let sources =
                    self.expand_sources(st, config, &lexer, &add.sources, &add.dest, whole)?;
                self.expand_heredocs(st, config, &add.heredocs, whole)?;
                conversion::add_checks(add, values[1].as_deref(), values[2].as_deref(), &sources)?;
                let local: Vec<_> = sources
                    .into_iter()
                    .filter(|(s, _)| {
                        !s.starts_with("http://")
                            && !s.starts_with("https://")
                            && !s.starts_with("git@")
                    })
                    .collect();
                self.ignored(config, "Add", &local, whole);
            }
            Instruction::Workdir(w) => {
                let path = self.expand(st, config, &lexer, &w.path.value, w.path.span, whole)?;
                if !st.workdir_set {
                    rules::workdir_relative_path::check(
                        self.sink,
                        config,
                        &path,
                        w.path.span,
                        whole,
                    );
                }
                st.workdir_set = true;
            }
            Instruction::User(u) => {
                self.expand(st, config, &lexer, &u.user.value, u.user.span, whole)?;
            }
            Instruction::Volume(v) => {
                for vol in &v.volumes {
                    self.expand(st, config, &lexer, &vol.value, vol.span, whole)?;
                }
            }
            Instruction::Stopsignal(s) => {
                self.expand(st, config, &lexer, &s.signal.value, s.signal.span, whole)?;
            }
            Instruction::Arg(arg) => {
                for pair in &arg.args {
                    rules::secrets_used_in_arg_or_env::check(
                        self.sink,
                        config,
                        "ARG",
                        &pair.key.value,
                        pair.key.span,
                        whole,
                    );
                    let value = match &pair.value {
                        None => self.globals.args.get(&pair.key.value).map(str::to_string),
                        Some(v) => Some(self.expand(st, config, &lexer, &v.value, v.span, whole)?),
                    };
                    if let Some(value) = value {
                        if !matches!(
                            pair.key.value.as_str(),
                            "BUILDKIT_SBOM_SCAN_CONTEXT" | "BUILDKIT_SBOM_SCAN_STAGE"
                        ) {
                            st.env.set(pair.key.value.clone(), value);
                        }
                    }
                    st.build_args.push(pair.key.value.clone());
                }
            }
            Instruction::Cmd(c) => {
                self.used_once("CMD", keyword.span, whole, Which::Cmd, config);
                let fix = self.fix_cmd;
                self.json_args(st, config, "CMD", &c.command, whole, fix);
            }
            Instruction::Entrypoint(e) => {
                self.used_once("ENTRYPOINT", keyword.span, whole, Which::Entrypoint, config);
                let fix = self.fix_entrypoint;
                self.json_args(st, config, "ENTRYPOINT", &e.command, whole, fix);
            }
            Instruction::Healthcheck(_) => {
                self.used_once(
                    "HEALTHCHECK",
                    keyword.span,
                    whole,
                    Which::Healthcheck,
                    config,
                );
            }
            Instruction::Expose(e) => {
                for port in &e.ports {
                    let words = lexer
                        .process_words(&port.value, &st.env)
                        .map_err(|e| e.to_string())?;
                    for word in words {
                        super::expose::check_port(self.sink, config, &word, port.span, whole)?;
                    }
                }
            }
            Instruction::Shell(_) => st.shell_set = true,
            Instruction::Run(run) => self.run_mounts(st, config, &lexer, run, whole)?,
            Instruction::Onbuild(_) | Instruction::Maintainer(_) => {}
        }
        Ok(())
    }

    fn expand_sources(
        &mut self,
        st: &StageState,
        config: &CheckConfig,
        lexer: &Lexer,
        sources: &[crate::ast::Spanned<String>],
        dest: &crate::ast::Spanned<String>,
        whole: Span,
    ) -> Result<Vec<(String, Span)>, String> {
        let mut out = Vec::new();
        for s in sources {
            out.push((
                self.expand(st, config, lexer, &s.value, s.span, whole)?,
                s.span,
            ));
        }
        self.expand(st, config, lexer, &dest.value, dest.span, whole)?;
        Ok(out)
    }

    fn expand_heredocs(
        &mut self,
        st: &StageState,
        config: &CheckConfig,
        heredocs: &[crate::ast::SourceContent],
        whole: Span,
    ) -> Result<(), String> {
        let mut raw = Lexer::new('\\');
        raw.skip_process_quotes = true;
        for h in heredocs.iter().filter(|h| h.expand) {
            self.expand(
                st,
                config,
                &raw,
                &h.data,
                h.body_span.unwrap_or(h.span),
                whole,
            )?;
        }
        Ok(())
    }

    fn ignored(
        &mut self,
        config: &CheckConfig,
        cmd: &str,
        sources: &[(String, Span)],
        whole: Span,
    ) {
        if let Some(matcher) = self.ignore {
            for (source, span) in sources {
                rules::copy_ignored_file::check(
                    self.sink, config, matcher, cmd, source, *span, whole,
                );
            }
        }
    }

    fn used_once(
        &mut self,
        name: &str,
        keyword: Span,
        whole: Span,
        which: Which,
        config: &CheckConfig,
    ) {
        let slot = match which {
            Which::Cmd => &mut self.cmd,
            Which::Entrypoint => &mut self.entrypoint,
            Which::Healthcheck => &mut self.healthcheck,
        };
        let previous = slot.replace((keyword, whole));
        if let Some((prev_keyword, prev_whole)) = previous {
            rules::multiple_instructions_disallowed::check(
                self.sink,
                config,
                name,
                prev_keyword,
                prev_whole,
            );
        }
    }

    fn json_args(
        &mut self,
        st: &StageState,
        config: &CheckConfig,
        name: &str,
        command: &ShellOrExec,
        whole: Span,
        fixable: bool,
    ) {
        if command.prepends_shell() && !st.shell_set {
            let fixable = fixable && matches!(command, ShellOrExec::Shell { .. });
            rules::json_args_recommended::check(
                self.sink,
                config,
                name,
                command.span(),
                whole,
                fixable,
            );
        }
    }
}

enum Which {
    Cmd,
    Entrypoint,
    Healthcheck,
}
