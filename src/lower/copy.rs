//! COPY and ADD: sources from the build context, another stage, URLs or here-documents,
//! `--chown`, `--chmod`, `--exclude`, `--parents`, `--link` (a merge op), the progress
//! name and the history entry.

use std::collections::BTreeSet;

use llb_schema::pb;

use crate::ast::Instruction;
use crate::shell::Lexer;

use super::dispatch::{context_source, general, Ctx, Result};
use super::git::{git_source, is_git_source, parse_git_ref, GitRefError, GitSourceOpts};
use super::graph::{Graph, OutRef};
use super::names::{prefix_command, process_cmd_env, uppercase_cmd};
use super::ops::{self, FileAction, Meta};
use super::paths;
use super::stage::{Command, StageState};

struct Params<'a> {
    is_add: bool,
    from: bool,
    chown: Option<&'a str>,
    chmod: Option<&'a str>,
    checksum: Option<&'a str>,
    keep_git_dir: Option<bool>,
    link: bool,
    parents: bool,
    unpack: Option<bool>,
    exclude: Vec<String>,
}

pub fn dispatch_copy(
    ctx: &Ctx,
    graph: &mut Graph,
    states: &mut [StageState],
    i: usize,
    cmd: &Command,
    collected: &mut BTreeSet<String>,
    context: &mut Option<OutRef>,
) -> Result<()> {
    let (p, sources, heredocs, dest) = match &cmd.instruction {
        Instruction::Copy(c) => (
            Params {
                is_add: false,
                from: c.from.is_some(),
                chown: c.chown.as_ref().map(|v| v.value.as_str()),
                chmod: c.chmod.as_ref().map(|v| v.value.as_str()),
                checksum: None,
                keep_git_dir: None,
                link: c.is_link(),
                parents: c.parents.as_ref().is_some_and(|p| p.value),
                unpack: None,
                exclude: c.exclude.iter().map(|e| e.value.clone()).collect(),
            },
            &c.sources,
            &c.heredocs,
            &c.dest,
        ),
        Instruction::Add(a) => (
            Params {
                is_add: true,
                from: false,
                chown: a.chown.as_ref().map(|v| v.value.as_str()),
                chmod: a.chmod.as_ref().map(|v| v.value.as_str()),
                checksum: a.checksum.as_ref().map(|v| v.value.as_str()),
                keep_git_dir: a.keep_git_dir.as_ref().map(|k| k.value),
                link: a.is_link(),
                parents: false,
                unpack: a.unpack.as_ref().map(|u| u.value),
                exclude: a.exclude.iter().map(|e| e.value.clone()).collect(),
            },
            &a.sources,
            &a.heredocs,
            &a.dest,
        ),
        _ => return Ok(()),
    };
    let env = states[i].state.env.clone();
    let ex = |w: &str| ctx.lexer.process_word(w, &env).map_err(general);
    let chown = p.chown.map(ex).transpose()?.unwrap_or_default();
    let chmod = p.chmod.map(ex).transpose()?.unwrap_or_default();
    let mut checksum = p.checksum.map(ex).transpose()?.unwrap_or_default();
    let mut keep_git_dir = p.keep_git_dir;
    let srcs: Vec<String> = sources
        .iter()
        .map(|s| ex(&s.value))
        .collect::<Result<_>>()?;
    let dest_raw = ex(&dest.value)?;

    // The source state: another stage, or the build context.
    let source_state: Option<OutRef> = if p.from {
        let s = cmd.sources.first().copied().flatten();
        match s {
            Some(s) => {
                if !states[s].dispatched {
                    let from = match &cmd.instruction {
                        Instruction::Copy(c) => {
                            c.from.as_ref().map(|f| f.value.clone()).unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    return Err(general(format!(
                        "cannot copy from stage \"{from}\", it needs to be defined before current stage \"{}\"",
                        states[i].stage_name
                    )));
                }
                states[s].state.output
            }
            None => None,
        }
    } else {
        None
    };

    let d_dir = states[i].state.dir();
    let dest = if dest_raw.starts_with('/') {
        paths::normalize("/", &dest_raw, true)
    } else {
        let q = if dest_raw == "." || dest_raw.is_empty() {
            "./"
        } else {
            &dest_raw
        };
        paths::normalize(&d_dir, q, true)
    };

    let (mode, mode_str) = parse_chmod(&chmod)?;
    if !checksum.is_empty() {
        if !p.is_add {
            return Err(general("checksum can't be specified for COPY"));
        }
        if srcs.len() != 1 {
            return Err(general("checksum can't be specified for multiple sources"));
        }
        if !is_http(&srcs[0]) && !is_git_source(&srcs[0]) {
            return Err(general("checksum requires HTTP(S) or Git sources"));
        }
    }

    let mut msg = String::from(if p.is_add { "ADD" } else { "COPY" });
    if p.parents {
        msg.push_str(" --parents");
    }
    if !chown.is_empty() {
        msg.push_str(&format!(" --chown={chown}"));
    }
    if !chmod.is_empty() {
        msg.push_str(&format!(" --chmod={chmod}"));
    }

    let name = uppercase_cmd(&process_cmd_env(&ctx.lexer, &cmd.code, &env));
    let pg_name = prefix_command(&mut states[i], &name);
    let chown_opt = (!chown.is_empty()).then(|| chown.clone());
    let mut actions = Vec::new();
    let base_copy = || pb::FileActionCopy {
        dest: dest.clone(),
        mode: if mode_str.is_empty() { mode } else { 0 },
        mode_str: mode_str.clone(),
        timestamp: -1,
        create_dest_path: true,
        exclude_patterns: p.exclude.clone(),
        ..pb::FileActionCopy::default()
    };

    for src in &srcs {
        msg.push_str(&format!(" {src}"));
        match parse_git_ref(src) {
            Err(GitRefError::Invalid(m)) => return Err(general(m)),
            Ok(r) if !r.indistinguishable_from_local => {
                if !p.is_add {
                    return Err(general("source can't be a git ref for COPY"));
                }
                if let (Some(a), Some(b)) = (keep_git_dir, r.keep_git_dir) {
                    if a != b {
                        return Err(general("inconsistent keep-git-dir configuration"));
                    }
                }
                if r.keep_git_dir.is_some() {
                    keep_git_dir = r.keep_git_dir;
                }
                if !checksum.is_empty() && !r.checksum.is_empty() && checksum != r.checksum {
                    return Err(general(format!(
                        "checksum mismatch \"{checksum}\" != \"{}\"",
                        r.checksum
                    )));
                }
                if !r.checksum.is_empty() {
                    checksum.clone_from(&r.checksum);
                }
                let opts = GitSourceOpts {
                    reference: r.reference.clone(),
                    subdir: r.subdir.clone(),
                    keep_git_dir: keep_git_dir == Some(true),
                    checksum: checksum.clone(),
                    skip_submodules: r.submodules == Some(false),
                    fetch_by_commit: r.fetch_by_commit,
                };
                let st = git_source(graph, &r.remote, &opts, Meta::named(pg_name.clone()));
                let mut c = base_copy();
                c.src = "/".into();
                actions.push(FileAction::Copy {
                    src: Some(st),
                    copy: c,
                    chown: chown_opt.clone(),
                });
                continue;
            }
            _ => {}
        }
        if is_http(src) {
            if !p.is_add {
                return Err(general("source can't be a URL for COPY"));
            }
            let f = url_file_name(src);
            if !checksum.is_empty() {
                check_digest(&checksum).map_err(general)?;
            }
            let mut attrs = std::collections::BTreeMap::new();
            let mut caps_list = vec![];
            if !checksum.is_empty() {
                attrs.insert("http.checksum".to_string(), checksum.clone());
                caps_list.push(llb_schema::caps::SOURCE_HTTP_CHECKSUM);
            }
            attrs.insert("http.filename".to_string(), f.clone());
            caps_list.push(llb_schema::caps::SOURCE_HTTP);
            caps_list.sort();
            let st = ops::source(
                graph,
                src.clone(),
                attrs,
                None,
                &caps_list,
                Meta {
                    custom_name: Some(pg_name.clone()),
                    command: Some(String::new()),
                    ..Meta::default()
                },
            );
            let mut c = base_copy();
            c.src = paths::join(&["/", &f]);
            c.attempt_unpack_docker_compatibility = p.unpack.unwrap_or(false);
            actions.push(FileAction::Copy {
                src: Some(st),
                copy: c,
                chown: chown_opt.clone(),
            });
            continue;
        }
        let mut s = src.clone();
        let mut include = Vec::new();
        let mut required = Vec::new();
        if p.parents {
            let (parent, pattern) = match s.split_once("/./") {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => ("/".to_string(), s.clone()),
            };
            let pattern = paths::normalize("/", &pattern, false);
            include.push(pattern.trim_start_matches('/').to_string());
            if !has_wildcards(&parent) && !has_wildcards(&pattern) {
                required.push(paths::normalize("/", &format!("{parent}/{pattern}"), false));
            }
            s = parent;
        }
        let mut c = base_copy();
        c.src = paths::normalize("/", &s, false);
        c.follow_symlink = true;
        c.dir_copy_contents = true;
        c.include_patterns = include;
        c.required_paths = required;
        c.attempt_unpack_docker_compatibility = p.unpack.unwrap_or(p.is_add);
        c.allow_wildcard = true;
        c.allow_empty_wildcard = true;
        let src_state = if p.from {
            source_state
        } else {
            Some(context_source(ctx, graph, context))
        };
        actions.push(FileAction::Copy {
            src: src_state,
            copy: c,
            chown: chown_opt.clone(),
        });
    }

    for h in heredocs {
        msg.push_str(&format!(" <<{}", h.path));
        let mut data = h.data.clone();
        if h.expand {
            let mut raw = Lexer::new('\\');
            raw.skip_process_quotes = true;
            data = raw.process_word(&data, &env).map_err(general)?;
        }
        let st = ops::file(
            graph,
            None,
            vec![FileAction::Mkfile(pb::FileActionMkFile {
                path: paths::normalize("/", &h.path, false),
                mode: 0o644,
                data: data.into_bytes(),
                owner: None,
                timestamp: -1,
            })],
            Meta::named("[internal] preparing inline document"),
        );
        let mut c = base_copy();
        c.src = paths::join(&["/", &h.path]);
        actions.push(FileAction::Copy {
            src: Some(st),
            copy: c,
            chown: chown_opt.clone(),
        });
    }
    msg.push_str(&format!(" {}", dest_raw));

    let d = &mut states[i];
    if p.link && chmod.is_empty() {
        let pg_id = format!("dfc-pg-{}", d.cmd_index);
        d.cmd_index = d.cmd_index.saturating_sub(1);
        let pg_name2 = prefix_command(d, &name);
        d.cmd_index = d.cmd_index.saturating_sub(1);
        let link_name = prefix_command(d, &format!("LINK {name}"));
        let copy_out = ops::file(
            graph,
            None,
            actions,
            Meta {
                custom_name: Some(pg_name2.clone()),
                progress_group: Some((pg_id.clone(), pg_name2.clone(), true)),
                ..Meta::default()
            },
        );
        let out = match d.state.output {
            Some(base) => ops::merge(
                graph,
                &[base, copy_out],
                Meta {
                    custom_name: Some(link_name),
                    progress_group: Some((pg_id, pg_name2, false)),
                    ..Meta::default()
                },
            ),
            None => copy_out,
        };
        d.state.output = Some(out);
    } else {
        let out = ops::file(graph, d.state.output, actions, Meta::named(pg_name));
        d.state.output = Some(out);
    }
    d.image.commit(msg, true, true);

    // Paths the context (or the source stage) must provide.
    for src in &srcs {
        if p.is_add && (src.starts_with("http://") || src.starts_with("https://")) {
            continue;
        }
        let path = paths::join(&["/", src]);
        if p.from {
            if let Some(Some(s)) = cmd.sources.first() {
                states[*s].paths.insert(path);
            }
        } else {
            collected.insert(path);
        }
    }
    Ok(())
}

/// `isHTTPSource`: an http(s) URL that is not a Git repository.
pub fn is_http(s: &str) -> bool {
    (s.starts_with("http://") || s.starts_with("https://")) && !is_git_source(s)
}

fn url_file_name(u: &str) -> String {
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => "",
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let base = paths::base(path);
    if path.is_empty() || base == "." || base == "/" {
        "__unnamed__".into()
    } else {
        base
    }
}

fn has_wildcards(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'*' | b'?' | b'[' => return true,
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    false
}

/// `--chmod`: an octal number up to 07777, else a symbolic mode string. A value that
/// starts with a digit but is not octal gets the octal error (BuildKit's mode parser
/// reads it as a number).
pub(crate) fn parse_chmod(s: &str) -> Result<(i32, String)> {
    if s.is_empty() {
        return Ok((-1, String::new()));
    }
    let bad = || {
        general(format!(
            "invalid chmod parameter: '{s}'. it should be octal string and between 0 and 07777"
        ))
    };
    if let Ok(v) = u32::from_str_radix(s, 8) {
        if v > 0o7777 {
            return Err(bad());
        }
        return Ok((v as i32, String::new()));
    }
    // dchapes-mode reads a value starting with a digit as octal: its number error
    // becomes BuildKit's octal message.
    if s.as_bytes()[0].is_ascii_digit() {
        return Err(bad());
    }
    let valid = s.split(',').all(|clause| {
        let t = clause.trim_start_matches(['u', 'g', 'o', 'a']);
        !t.is_empty()
            && t.starts_with(['+', '-', '='])
            && t.bytes().all(|b| b"+-=rwxXstugo".contains(&b))
    });
    if !valid {
        // dchapes-mode's ErrSyntax.
        return Err(general("invalid syntax"));
    }
    Ok((0, s.to_string()))
}

/// go-digest's `Parse` for `--checksum` of an HTTP source: `algorithm:hex`, with
/// sha256, sha384 and sha512 available.
pub fn check_digest(s: &str) -> std::result::Result<(), String> {
    const FORMAT: &str = "invalid checksum digest format";
    let Some(i) = s.find(':').filter(|&i| i > 0 && i + 1 < s.len()) else {
        return Err(FORMAT.into());
    };
    let (alg, enc) = (&s[..i], &s[i + 1..]);
    let size = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => {
            // `[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`
            let alg_ok = alg.split(['.', '+', '_', '-']).all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            let enc_ok = enc
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
            return Err(if alg_ok && enc_ok {
                "unsupported digest algorithm".into()
            } else {
                FORMAT.into()
            });
        }
    };
    if enc.len() != size * 2 {
        return Err("invalid checksum digest length".into());
    }
    if !enc
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(FORMAT.into());
    }
    Ok(())
}
