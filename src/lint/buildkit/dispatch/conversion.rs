//! The errors BuildKit's converter raises while dispatching RUN, COPY and ADD, and the
//! expansion of `RUN --mount` values: each value is expanded (reporting UndefinedVar)
//! and the mount typed, as `setMountState` does at dispatch; then `--device` (refused by
//! the non-labs frontend), `--chmod`, `--checksum` and URL sources of COPY. Wording and
//! order are BuildKit's: findings made before the error are kept.

use crate::ast::{AddInstruction, CopyInstruction, RunInstruction};
use crate::lint::config::CheckConfig;
use crate::shell::Lexer;
use crate::syntax::Span;

use super::{Dispatcher, StageState};

impl Dispatcher<'_, '_, '_> {
    /// `RUN --mount` values expanded one by one, then the mounts typed; `--device`.
    pub(super) fn run_mounts(
        &mut self,
        st: &StageState,
        config: &CheckConfig,
        lexer: &Lexer,
        run: &RunInstruction,
        whole: Span,
    ) -> Result<(), String> {
        for spec in &run.mounts {
            let mut spans = spec
                .fields
                .iter()
                .filter_map(|f| f.value.as_ref().map(|v| v.span));
            spec.resolve(&mut |word: &str| {
                let span = spans.next().unwrap_or(spec.raw.span);
                self.expand(st, config, lexer, word, span, whole)
            })
            .map_err(|e| e.message)?;
        }
        if !run.devices.is_empty() {
            return Err(
                "device feature is only supported in Dockerfile frontend 1.14.0-labs or later"
                    .to_string(),
            );
        }
        Ok(())
    }

    /// COPY's `--chmod` and URL sources (after `ignored` has seen the sources before a
    /// URL, as BuildKit checks them in order).
    pub(super) fn copy_checks(
        &mut self,
        config: &CheckConfig,
        copy: &CopyInstruction,
        chmod: Option<&str>,
        sources: &[(String, Span)],
        whole: Span,
    ) -> Result<(), String> {
        check_chmod(chmod)?;
        let url = sources.iter().position(|(s, _)| is_http(s));
        let checked = url.map_or(sources, |i| &sources[..i]);
        if copy.from.is_none() {
            self.ignored(config, "Copy", checked, whole);
        }
        match url {
            Some(_) => Err("source can't be a URL for COPY".to_string()),
            None => Ok(()),
        }
    }
}

/// ADD's `--chmod` and `--checksum` (one HTTP(S) or Git source).
pub(super) fn add_checks(
    add: &AddInstruction,
    chmod: Option<&str>,
    checksum: Option<&str>,
    sources: &[(String, Span)],
) -> Result<(), String> {
    check_chmod(chmod)?;
    if checksum.is_some_and(|c| !c.is_empty()) {
        if add.sources.len() != 1 {
            return Err("checksum can't be specified for multiple sources".to_string());
        }
        let source = sources.first().map_or("", |(s, _)| s.as_str());
        if !is_http(source) && !is_git(source) {
            return Err("checksum requires HTTP(S) or Git sources".to_string());
        }
    }
    Ok(())
}

fn check_chmod(chmod: Option<&str>) -> Result<(), String> {
    match chmod {
        Some(c) => crate::lower::parse_chmod(c)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        None => Ok(()),
    }
}

/// An HTTP(S) URL that is not a Git source.
fn is_http(source: &str) -> bool {
    (source.starts_with("http://") || source.starts_with("https://")) && !is_git(source)
}

/// A Git source as BuildKit's `ParseGitRef` recognises one: `github.com/…`, a
/// `git://` or `ssh://` URL, an HTTP(S) URL whose path ends in `.git`, or an scp-style
/// `user@host:path`.
fn is_git(source: &str) -> bool {
    if source.starts_with("./") || source.starts_with("../") {
        return false;
    }
    if source.starts_with("github.com/") {
        return true;
    }
    if let Some((scheme, rest)) = source.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "git" | "ssh" => true,
            "http" | "https" => {
                let path = rest.split(['#', '?']).next().unwrap_or("");
                path.find('/').is_some_and(|i| path[i..].ends_with(".git"))
            }
            _ => false,
        };
    }
    // scp-style: [user@]host:path, host without `/`.
    let before_path = source.split_once(':').map(|(h, _)| h);
    before_path.is_some_and(|h| {
        let host = h.rsplit_once('@').map_or(h, |(_, host)| host);
        h.contains('@') && !host.is_empty() && !h.contains('/')
    })
}

/// BuildKit's `validateCircularDependency`: stages depend on the stages their
/// `COPY --from` (name or index) and `RUN --mount from=` name; the first stage, in file
/// order, from which a cycle can be reached is named in the error.
pub(super) fn circular_dependency(tree: &crate::ast::Dockerfile) -> Result<(), String> {
    use crate::ast::Instruction;
    let stages = &tree.stages;
    let by_name = |name: &str| {
        let name = name.to_lowercase();
        stages.iter().position(|s| s.name() == Some(name.as_str()))
    };
    let deps: Vec<Vec<usize>> = stages
        .iter()
        .map(|stage| {
            let mut out = Vec::new();
            for instruction in &stage.instructions {
                match instruction {
                    Instruction::Copy(copy) => {
                        if let Some(from) = &copy.from {
                            let target = match from.value.parse::<usize>() {
                                Ok(i) => (i < stages.len()).then_some(i),
                                Err(_) => by_name(&from.value),
                            };
                            out.extend(target);
                        }
                    }
                    Instruction::Run(run) => {
                        for spec in &run.mounts {
                            let from = spec
                                .field("from")
                                .and_then(|f| f.value.as_ref())
                                .map_or("scratch", |v| v.value.as_str());
                            out.extend(by_name(from));
                        }
                    }
                    _ => {}
                }
            }
            out
        })
        .collect();
    let mut visited = vec![false; stages.len()];
    let mut on_path = vec![false; stages.len()];
    fn visit(i: usize, deps: &[Vec<usize>], visited: &mut [bool], on_path: &mut [bool]) -> bool {
        if visited[i] {
            return false;
        }
        visited[i] = true;
        on_path[i] = true;
        for &d in &deps[i] {
            if on_path[d] || visit(d, deps, visited, on_path) {
                return true;
            }
        }
        on_path[i] = false;
        false
    }
    for i in 0..stages.len() {
        if visit(i, &deps, &mut visited, &mut on_path) {
            let name = match stages[i].name() {
                Some(n) => n.to_string(),
                None if stages.len() == 1 => String::new(),
                None => format!("stage-{i}"),
            };
            return Err(format!("circular dependency detected on stage: {name}"));
        }
    }
    Ok(())
}

/// BuildKit's `resolveBaseImage` for every stage whose base is an image (not `scratch`,
/// not an earlier stage): the expanded name must be an image reference.
pub(crate) fn resolve_base_names(
    tree: &crate::ast::Dockerfile,
    globals: &super::Globals,
    bases: &[Option<usize>],
) -> Result<(), String> {
    for (stage, base) in tree.stages.iter().zip(bases) {
        if base.is_some() {
            continue;
        }
        let name = globals.expand(stage.base())?.result;
        if name == "scratch" {
            continue;
        }
        crate::lower::Reference::parse_normalized(&name)
            .map_err(|e| format!("failed to parse stage name \"{name}\": {e}"))?;
    }
    Ok(())
}
