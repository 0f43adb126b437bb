//! RUN: the command line (shell, exec, here-documents), its mounts with BuildKit's
//! defaults (bind, cache, tmpfs, secret, ssh), network and security modes, and the exec
//! op's progress name and history entry.

use std::collections::BTreeSet;

use crate::ast::{Mount, MountType, NetworkMode, RunInstruction, SecurityMode, ShareMode};
use crate::shell::{Env, Lexer};

use super::dispatch::{context_source, general, with_shell, Ctx, Result};
use super::graph::{Graph, OutRef};
use super::names::{prefix_command, process_cmd_env, uppercase_cmd};
use super::ops::{self, Exec, ExecMount, FileAction, Meta, SecretMount, SshMount};
use super::paths;
use super::stage::{Command, StageState};

#[allow(clippy::too_many_arguments)]
pub fn dispatch_run(
    ctx: &Ctx,
    graph: &mut Graph,
    states: &mut [StageState],
    i: usize,
    cmd: &Command,
    r: &RunInstruction,
    collected: &mut BTreeSet<String>,
    context: &mut Option<OutRef>,
) -> Result<()> {
    states[i].paths.insert("/".into());
    let mut custom = cmd.code.clone();
    let mut args = r.command.cmd_line();
    let prepend = r.command.prepends_shell();
    let platform = states[i]
        .platform
        .clone()
        .unwrap_or_else(|| ctx.target_platform.clone());
    let mut extra_mounts: Vec<ExecMount> = Vec::new();
    if !r.heredocs.is_empty() {
        if args.len() != 1 || !prepend {
            return Err(general(format!(
                "parsing produced an invalid run command: [{}]",
                args.join(" ")
            )));
        }
        let first = &r.heredocs[0];
        if is_only_heredoc(&args[0]) {
            let data = if first.chomp {
                chomp(&first.content)
            } else {
                first.content.clone()
            };
            if data.starts_with("#!") {
                let f = first.name.clone();
                let st = ops::file(
                    graph,
                    None,
                    vec![FileAction::Mkfile(llb_schema::pb::FileActionMkFile {
                        path: paths::normalize("/", &f, false),
                        mode: 0o755,
                        data: data.into_bytes(),
                        owner: None,
                        timestamp: -1,
                    })],
                    Meta::named("[internal] preparing inline document"),
                );
                extra_mounts.push(ExecMount {
                    target: "/dev/pipes/".into(),
                    source: Some(st),
                    selector: "/".into(),
                    readonly: true,
                    ..ExecMount::default()
                });
                args = vec![paths::join(&["/dev/pipes/", &f])];
            } else {
                args = vec![data];
            }
            custom.push_str(&format!(" ({})", summarize_heredoc(&first.content)));
        } else {
            let mut b = args[0].clone();
            for h in &r.heredocs {
                b.push('\n');
                b.push_str(&h.content);
                b.push_str(&h.name);
            }
            args = vec![b];
        }
    }
    if prepend {
        args = with_shell(&states[i].image.config.shell, &args);
    }

    // Mounts.
    let mut secrets = Vec::new();
    let mut secret_envs: Vec<String> = Vec::new();
    let mut ssh = Vec::new();
    for (mi, spec) in r.mounts.iter().enumerate() {
        let env = states[i].state.env.clone();
        let mut m: Mount = spec
            .resolve(&mut |w: &str| ctx.lexer.process_word(w, &env).map_err(|e| e.to_string()))
            .map_err(|e| general(e.message))?;
        if m.from.is_empty() && m.kind == MountType::Cache {
            m.from = "scratch".into();
        }
        match m.kind {
            MountType::Secret => {
                if let Some(e) = &m.env {
                    secret_envs.push(e.clone());
                }
                secrets.push(secret_mount(&m)?);
                continue;
            }
            MountType::Ssh => {
                if !m.source.is_empty() {
                    return Err(general("ssh does not support source"));
                }
                let idx = ssh.len();
                ssh.push(SshMount {
                    id: m.cache_id.clone(),
                    target: if m.target.is_empty() {
                        format!("/run/buildkit/ssh_agent.{idx}")
                    } else {
                        m.target.clone()
                    },
                    uid: m.uid.unwrap_or(0) as u32,
                    gid: m.gid.unwrap_or(0) as u32,
                    mode: m.mode.unwrap_or(0o600) as u32,
                    optional: !m.required,
                });
                continue;
            }
            _ => {}
        }
        let mut source: Option<OutRef> = if m.from.is_empty() {
            Some(context_source(ctx, graph, context))
        } else {
            let src = cmd.sources.get(mi).copied().flatten();
            match src {
                Some(s) => {
                    if !states[s].dispatched {
                        return Err(general(format!(
                            "cannot mount from stage \"{}\" to \"{}\", stage needs to be defined before current command",
                            m.from, m.target
                        )));
                    }
                    states[s].state.output
                }
                None => None,
            }
        };
        let mut em = ExecMount::default();
        if m.kind == MountType::Tmpfs {
            source = None;
            em.tmpfs = Some(m.size_limit);
        }
        if m.readonly {
            em.readonly = true;
        } else if m.kind == MountType::Bind {
            em.no_output = true;
        }
        if m.kind == MountType::Cache {
            let sharing = match m.cache_sharing {
                Some(ShareMode::Private) => 1,
                Some(ShareMode::Locked) => 2,
                _ => 0,
            };
            let id = if m.cache_id.is_empty() {
                paths::clean(&m.target)
            } else {
                m.cache_id.clone()
            };
            em.cache = Some((format!("{}/{id}", ctx.opts.cache_ns), sharing));
        }
        let mut target = m.target.clone();
        if !paths::clean(&m.target).starts_with('/') {
            target = paths::join(&["/", &states[i].state.dir(), &m.target]);
        }
        if target == "/" {
            return Err(general(format!("invalid mount target \"{target}\"")));
        }
        em.target = target;
        let src_path = paths::join(&["/", &m.source]);
        if src_path != "/" {
            em.selector = src_path.clone();
        } else if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
            let uid = m.uid.unwrap_or(0);
            let gid = m.gid.unwrap_or(0);
            let mode = m.mode.unwrap_or(0o755);
            let st = ops::file(
                graph,
                source,
                vec![FileAction::Mkdir {
                    mkdir: llb_schema::pb::FileActionMkDir {
                        path: "/cache".into(),
                        mode: (mode & 0o777) as i32,
                        make_parents: false,
                        owner: Some(llb_schema::pb::ChownOpt {
                            user: Some(llb_schema::pb::UserOpt {
                                user: Some(llb_schema::pb::user_opt::User::ById(uid as u32)),
                            }),
                            group: Some(llb_schema::pb::UserOpt {
                                user: Some(llb_schema::pb::user_opt::User::ById(gid as u32)),
                            }),
                        }),
                        timestamp: -1,
                    },
                    chown: None,
                }],
                Meta::named("[internal] setting cache mount permissions"),
            );
            source = Some(st);
            em.selector = "/cache".into();
        }
        em.source = source;
        extra_mounts.push(em);
        let p = paths::join(&["/", &m.source]);
        if m.from.is_empty() {
            collected.insert(p);
        } else if let Some(Some(s)) = cmd.sources.get(mi) {
            states[*s].paths.insert(p);
        }
    }

    if !r.devices.is_empty() {
        // Non-labs frontend: `--device` parses but cannot be lowered.
        return Err(general(
            "device feature is only supported in Dockerfile frontend 1.14.0-labs or later",
        ));
    }
    let d = &mut states[i];
    let env = d.state.env.clone();
    let mut raw = Lexer::new(ctx.lexer.escape);
    raw.raw_quotes = true;
    raw.skip_unset_env = true;
    // Secrets exposed as env variables are masked in the progress name.
    let mut masked = env.clone();
    for m in &secret_envs {
        masked.add_or_replace(m, "****");
    }
    let name = uppercase_cmd(&process_cmd_env(&raw, &custom, &masked));
    let custom_name = prefix_command(d, &name);

    let mut mounts = vec![ExecMount {
        target: "/".into(),
        source: d.state.output,
        ..ExecMount::default()
    }];
    mounts.extend(extra_mounts);
    let network = match r.network.as_ref().map(|n| n.value) {
        Some(NetworkMode::Host) => 1,
        Some(NetworkMode::None) => 2,
        _ => 0,
    };
    let security = match r.security.as_ref().map(|s| s.value) {
        Some(SecurityMode::Insecure) => 1,
        _ => 0,
    };
    let exec = Exec {
        args: args.clone(),
        env: env.to_array(),
        cwd: d.state.dir(),
        user: d.state.user.clone().unwrap_or_default(),
        network,
        security,
        mounts,
        secrets,
        ssh,
        platform: Some(platform),
        proxy: ctx.opts.proxy.clone(),
        hostname: ctx.opts.hostname.clone(),
    };
    let (v, _) = ops::exec(
        graph,
        exec,
        Meta {
            custom_name: Some(custom_name),
            command: Some(cmd.code.clone()),
            ..Meta::default()
        },
    );
    d.state.output = Some(OutRef {
        vertex: v,
        index: 0,
    });
    let history = run_command_string(&args, &d.build_args, &env);
    d.image.commit(format!("RUN {history}"), true, true);
    Ok(())
}

fn secret_mount(m: &Mount) -> Result<SecretMount> {
    let mut id = m.cache_id.clone();
    if !m.source.is_empty() {
        id = m.source.clone();
    }
    if id.is_empty() {
        if m.target.is_empty() {
            return Err(general("one of source, target required"));
        }
        id = paths::base(&m.target);
    }
    let mut target = (!m.target.is_empty()).then(|| m.target.clone());
    if m.env.is_none() {
        target = Some(if m.target.is_empty() {
            format!("/run/secrets/{}", paths::base(&id))
        } else {
            m.target.clone()
        });
    }
    Ok(SecretMount {
        id,
        target,
        env: m.env.clone(),
        uid: m.uid.unwrap_or(0) as u32,
        gid: m.gid.unwrap_or(0) as u32,
        mode: m.mode.unwrap_or(0o400) as u32,
        optional: !m.required,
    })
}

/// `runCommandString`: `|N K=V… args` when build args are declared.
fn run_command_string(
    args: &[String],
    build_args: &[(String, Option<String>)],
    env: &dyn Env,
) -> String {
    let mut tmp: Vec<(String, String)> = Vec::new();
    for (k, v) in build_args {
        let value = env
            .get(k)
            .map(str::to_string)
            .unwrap_or_else(|| v.clone().unwrap_or_default());
        if let Some(e) = tmp.iter_mut().find(|(kk, _)| kk == k) {
            e.1 = value;
        } else {
            tmp.push((k.clone(), value));
        }
    }
    let mut parts: Vec<String> = Vec::new();
    if !tmp.is_empty() {
        parts.push(format!("|{}", tmp.len()));
        parts.extend(tmp.into_iter().map(|(k, v)| format!("{k}={v}")));
    }
    parts.extend(args.iter().cloned());
    parts.join(" ")
}

/// The command is exactly one here-document word (`<<EOF`, `<<-"EOF"`, …).
fn is_only_heredoc(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("<<") && !t.contains(char::is_whitespace)
}

fn chomp(content: &str) -> String {
    content
        .split_inclusive('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect()
}

fn summarize_heredoc(doc: &str) -> String {
    let doc = doc.trim();
    let doc = doc.replace("\r\n", "\n");
    let mut lines = doc.split('\n');
    let first = lines.next().unwrap_or_default().to_string();
    if lines.next().is_some() {
        format!("{first}...")
    } else {
        first
    }
}
