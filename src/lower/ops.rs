//! Op builders: source, file, exec and merge ops as BuildKit's `client/llb` marshals
//! them (field values, input numbering, capabilities), added to the [`Graph`].
//!
//! What it does not do: know about Dockerfile instructions; callers pass the values.

use std::collections::BTreeMap;

use llb_schema::caps;
use llb_schema::pb::{self, op, Op, OpMetadata};

use super::graph::{Graph, OutRef};
use super::platform::Platform;

pub const EMPTY: i64 = -1;

/// Descriptions and flags of an op's metadata.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub custom_name: Option<String>,
    /// `com.docker.dockerfile.v1.command`.
    pub command: Option<String>,
    pub progress_group: Option<(String, String, bool)>,
    pub ignore_cache: bool,
}

impl Meta {
    pub fn named(name: impl Into<String>) -> Meta {
        Meta {
            custom_name: Some(name.into()),
            ..Meta::default()
        }
    }

    fn into_metadata(self, caps_list: &[&str]) -> OpMetadata {
        let mut md = OpMetadata::default();
        if let Some(n) = self.custom_name {
            md.description.insert("llb.customname".into(), n);
        }
        if let Some(c) = self.command {
            md.description
                .insert("com.docker.dockerfile.v1.command".into(), c);
        }
        if let Some((id, name, weak)) = self.progress_group {
            md.progress_group = Some(pb::ProgressGroup { id, name, weak });
        }
        md.ignore_cache = self.ignore_cache;
        md.caps = caps_list.iter().map(|c| (c.to_string(), true)).collect();
        md
    }
}

fn base_op(platform: Option<&Platform>) -> Op {
    Op {
        platform: platform.map(Platform::to_pb),
        constraints: Some(pb::WorkerConstraints::default()),
        ..Op::default()
    }
}

/// A source op. `platform` only for image sources.
pub fn source(
    g: &mut Graph,
    identifier: String,
    attrs: BTreeMap<String, String>,
    platform: Option<&Platform>,
    caps_list: &[&str],
    meta: Meta,
) -> OutRef {
    let mut op = base_op(platform);
    op.op = Some(op::Op::Source(pb::SourceOp { identifier, attrs }));
    let v = g.add(&op, vec![], meta.into_metadata(caps_list));
    OutRef {
        vertex: v,
        index: 0,
    }
}

/// `llb.WithUser(name)` for file actions: `user[:group]`, numbers as ids.
pub fn chown(spec: &str, base: i64) -> pb::ChownOpt {
    let user_opt = |v: &str| {
        // An empty name (`1000:`) is BuildKit's zero `UserOpt`: uid 0.
        let id = if v == "root" || v.is_empty() {
            Some(0)
        } else {
            v.parse::<i32>().ok().map(|n| n as u32)
        };
        pb::UserOpt {
            user: Some(match id {
                Some(n) => pb::user_opt::User::ById(n),
                None => pb::user_opt::User::ByName(pb::NamedUserOpt {
                    name: v.to_string(),
                    input: base,
                }),
            }),
        }
    };
    let mut parts = spec.splitn(2, ':');
    let user = parts.next().map(user_opt);
    let group = parts.next().map(user_opt);
    pb::ChownOpt { user, group }
}

/// One action of a file op.
#[derive(Clone, Debug)]
pub enum FileAction {
    /// A copy from `src` (`None` = scratch); `chown` is applied with the op's base index.
    Copy {
        src: Option<OutRef>,
        copy: pb::FileActionCopy,
        chown: Option<String>,
    },
    Mkdir {
        mkdir: pb::FileActionMkDir,
        chown: Option<String>,
    },
    Mkfile(pb::FileActionMkFile),
}

/// A file op applying `actions` in a chain on top of `base`.
pub fn file(g: &mut Graph, base: Option<OutRef>, actions: Vec<FileAction>, meta: Meta) -> OutRef {
    let mut op = base_op(None);
    let mut deps = Vec::new();
    let caps_list = vec![caps::FILE_BASE];
    let base_index = match base {
        Some(b) => {
            deps.push(b.vertex);
            g.add_inputs(&mut op, &[b])[0]
        }
        None => EMPTY,
    };
    let mut secondaries = Vec::new();
    for a in &actions {
        if let FileAction::Copy { src, .. } = a {
            let idx = match src {
                Some(s) => {
                    if !deps.contains(&s.vertex) {
                        deps.push(s.vertex);
                    }
                    g.add_inputs(&mut op, &[*s])[0]
                }
                None => EMPTY,
            };
            secondaries.push(idx);
            // No copy caps: BuildKit's FileOp.Marshal asks the actions for caps before
            // it has collected them, so include/exclude, required-path and mode-string
            // caps never reach the metadata.
        } else {
            secondaries.push(EMPTY);
        }
    }
    let n_inputs = op.inputs.len() as i64;
    let count = actions.len();
    let mut out = Vec::with_capacity(count);
    for (i, (a, secondary)) in actions.into_iter().zip(secondaries).enumerate() {
        let input = if i == 0 {
            base_index
        } else {
            n_inputs + i as i64 - 1
        };
        let output = if i + 1 == count { 0 } else { -1 };
        let action = match a {
            FileAction::Copy {
                mut copy, chown: c, ..
            } => {
                if let Some(spec) = c {
                    copy.owner = Some(chown(&spec, base_index));
                }
                pb::file_action::Action::Copy(copy)
            }
            FileAction::Mkdir {
                mut mkdir,
                chown: c,
            } => {
                if let Some(spec) = c {
                    mkdir.owner = Some(chown(&spec, base_index));
                }
                pb::file_action::Action::Mkdir(mkdir)
            }
            FileAction::Mkfile(m) => pb::file_action::Action::Mkfile(m),
        };
        out.push(pb::FileAction {
            input,
            secondary_input: secondary,
            output,
            action: Some(action),
        });
    }
    op.op = Some(op::Op::File(pb::FileOp { actions: out }));
    let v = g.add(&op, deps, meta.into_metadata(&caps_list));
    OutRef {
        vertex: v,
        index: 0,
    }
}

/// A mount of an exec op (the root mount included).
#[derive(Clone, Debug, Default)]
pub struct ExecMount {
    pub target: String,
    pub source: Option<OutRef>,
    pub selector: String,
    pub readonly: bool,
    pub no_output: bool,
    /// Cache id and sharing (`pb.CacheSharingOpt` value).
    pub cache: Option<(String, i32)>,
    pub tmpfs: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct SecretMount {
    pub id: String,
    pub target: Option<String>,
    pub env: Option<String>,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    pub optional: bool,
}

#[derive(Clone, Debug, Default)]
pub struct SshMount {
    pub id: String,
    pub target: String,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    pub optional: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Exec {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: String,
    pub network: i32,
    pub security: i32,
    pub mounts: Vec<ExecMount>,
    pub secrets: Vec<SecretMount>,
    pub ssh: Vec<SshMount>,
    pub platform: Option<Platform>,
    /// `ProxyEnv` from the proxy build args.
    pub proxy: Option<pb::ProxyEnv>,
    pub hostname: String,
}

/// An exec op; returns the op's vertex and the output index of each mount (sorted by
/// target as BuildKit sorts them), `None` for mounts without output.
pub fn exec(g: &mut Graph, mut e: Exec, meta: Meta) -> (usize, Vec<(String, Option<i64>)>) {
    e.mounts.sort_by(|a, b| a.target.cmp(&b.target));
    let mut caps_list = vec![caps::EXEC_META_SETS_DEFAULT_PATH];
    if e.network != 0 {
        caps_list.push(caps::EXEC_META_NETWORK);
    }
    if e.security == 1 {
        caps_list.push(caps::EXEC_META_SECURITY);
    }
    caps_list.push(caps::EXEC_META_BASE);
    if e.proxy.is_some() {
        caps_list.push(caps::EXEC_META_PROXY);
    }
    for m in &e.mounts {
        if !m.selector.is_empty() {
            caps_list.push(caps::EXEC_MOUNT_SELECTOR);
        }
        if m.cache.is_some() {
            caps_list.push(caps::EXEC_MOUNT_CACHE);
            caps_list.push(caps::EXEC_MOUNT_CACHE_SHARING);
        } else if let Some(size) = m.tmpfs {
            caps_list.push(caps::EXEC_MOUNT_TMPFS);
            if size > 0 {
                caps_list.push(caps::EXEC_MOUNT_TMPFS_SIZE);
            }
        } else if m.source.is_some() {
            caps_list.push(caps::EXEC_MOUNT_BIND);
        }
    }
    if !e.secrets.is_empty() {
        caps_list.push(caps::EXEC_MOUNT_SECRET);
        if e.secrets.iter().any(|s| s.env.is_some()) {
            caps_list.push(caps::EXEC_SECRET_ENV);
        }
    }
    let mut env = e.env;
    if !e.ssh.is_empty() {
        caps_list.push(caps::EXEC_MOUNT_SSH);
        if !env
            .iter()
            .any(|kv| kv.split('=').next() == Some("SSH_AUTH_SOCK"))
        {
            env.push(format!("SSH_AUTH_SOCK={}", e.ssh[0].target));
        }
    }
    let mut op = base_op(e.platform.as_ref());
    let mut deps = Vec::new();
    let mut mounts = Vec::new();
    let mut outputs = Vec::new();
    let mut out_index = 0;
    for m in &e.mounts {
        let input = match m.source {
            Some(s) => {
                if !deps.contains(&s.vertex) {
                    deps.push(s.vertex);
                }
                g.add_inputs(&mut op, &[s])[0]
            }
            None => EMPTY,
        };
        let output = if !m.no_output && !m.readonly && m.cache.is_none() && m.tmpfs.is_none() {
            out_index += 1;
            out_index - 1
        } else {
            -1
        };
        outputs.push((m.target.clone(), (output >= 0).then_some(output)));
        let mut pm = pb::Mount {
            input,
            selector: m.selector.clone(),
            dest: m.target.clone(),
            output,
            readonly: m.readonly,
            ..pb::Mount::default()
        };
        if let Some((id, sharing)) = &m.cache {
            pm.mount_type = pb::MountType::Cache as i32;
            pm.cache_opt = Some(pb::CacheOpt {
                id: id.clone(),
                sharing: *sharing,
            });
        }
        if let Some(size) = m.tmpfs {
            pm.mount_type = pb::MountType::Tmpfs as i32;
            pm.tmpfs_opt = Some(pb::TmpfsOpt { size });
        }
        mounts.push(pm);
    }
    let mut secretenv = Vec::new();
    for s in &e.secrets {
        if let Some(name) = &s.env {
            secretenv.push(pb::SecretEnv {
                id: s.id.clone(),
                name: name.clone(),
                optional: s.optional,
            });
        }
        if let Some(t) = &s.target {
            mounts.push(pb::Mount {
                input: EMPTY,
                dest: t.clone(),
                mount_type: pb::MountType::Secret as i32,
                secret_opt: Some(pb::SecretOpt {
                    id: s.id.clone(),
                    uid: s.uid,
                    gid: s.gid,
                    mode: s.mode,
                    optional: s.optional,
                }),
                ..pb::Mount::default()
            });
        }
    }
    for s in &e.ssh {
        mounts.push(pb::Mount {
            input: EMPTY,
            dest: s.target.clone(),
            mount_type: pb::MountType::Ssh as i32,
            ssh_opt: Some(pb::SshOpt {
                id: s.id.clone(),
                uid: s.uid,
                gid: s.gid,
                mode: s.mode,
                optional: s.optional,
            }),
            ..pb::Mount::default()
        });
    }
    op.op = Some(op::Op::Exec(pb::ExecOp {
        meta: Some(pb::Meta {
            args: e.args,
            env,
            cwd: e.cwd,
            user: e.user,
            proxy_env: e.proxy,
            hostname: e.hostname,
            remove_mount_stubs_recursive: true,
            ..pb::Meta::default()
        }),
        mounts,
        network: e.network,
        security: e.security,
        secretenv,
        cdi_devices: Vec::new(),
    }));
    let mut sorted_caps = caps_list;
    sorted_caps.sort();
    sorted_caps.dedup();
    let v = g.add(&op, deps, meta.into_metadata(&sorted_caps));
    (v, outputs)
}

/// A merge op of `inputs` (at least two).
pub fn merge(g: &mut Graph, inputs: &[OutRef], meta: Meta) -> OutRef {
    let mut op = base_op(None);
    let idx = g.add_inputs(&mut op, inputs);
    op.op = Some(op::Op::Merge(pb::MergeOp {
        inputs: idx
            .into_iter()
            .map(|input| pb::MergeInput { input })
            .collect(),
    }));
    let deps = inputs.iter().map(|i| i.vertex).collect();
    let v = g.add(&op, deps, meta.into_metadata(&[caps::MERGE_OP]));
    OutRef {
        vertex: v,
        index: 0,
    }
}
