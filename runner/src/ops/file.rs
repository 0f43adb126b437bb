//! File ops: a chain of actions (mkdir, mkfile, rm, symlink, copy), each on
//! a base (scratch, an op input, or an earlier action's result), some of
//! which are the op's outputs. Action results live in one staging area and
//! are moved, not copied, to the one action that consumes them.
//!
//! Indexes follow BuildKit: an action's `input`/`secondaryInput` below the
//! op's input count names an op input, at or above it names the result of
//! action `index - inputs`, and -1 is scratch (or none); a timestamp of -1
//! keeps times as they are, anything else is nanoseconds since the epoch.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use llb_schema::pb::{
    file_action::Action, FileActionMkDir, FileActionMkFile, FileActionRm, FileActionSymlink, FileOp,
};

use super::owner::{self, Owner};
use super::OpContext;
use crate::error::{FileOpError, OpError};
use crate::fsutil::{self, resolve_in_root};
use crate::pattern::{glob_match, has_wildcard};
use crate::store::SnapshotId;

/// Paths of each op input that the op reads (for content-based cache keys).
/// Inputs used as an action's base are read whole and get no entry.
pub fn selectors(f: &FileOp, inputs: usize) -> BTreeMap<usize, Vec<String>> {
    let n = inputs as i64;
    let mut sel: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut whole = Vec::new();
    for a in &f.actions {
        if (0..n).contains(&a.input) {
            whole.push(a.input as usize);
        }
        let owner = match &a.action {
            Some(Action::Copy(c)) => {
                if (0..n).contains(&a.secondary_input) {
                    let src = fsutil::clean_path(&c.src);
                    let sel_path = match src.split('/').position(has_wildcard) {
                        Some(i) => src.split('/').take(i).collect::<Vec<_>>().join("/"),
                        None => src,
                    };
                    let mut label = sel_path;
                    for p in c.include_patterns.iter().chain(&c.exclude_patterns) {
                        label.push('\0');
                        label.push_str(p);
                    }
                    sel.entry(a.secondary_input as usize)
                        .or_default()
                        .push(label);
                }
                c.owner.as_ref()
            }
            Some(Action::Mkdir(m)) => m.owner.as_ref(),
            Some(Action::Mkfile(m)) => m.owner.as_ref(),
            Some(Action::Symlink(s)) => s.owner.as_ref(),
            _ => None,
        };
        for u in owner
            .iter()
            .flat_map(|o| [o.user.as_ref(), o.group.as_ref()])
            .flatten()
        {
            if let Some(llb_schema::pb::user_opt::User::ByName(nm)) = &u.user {
                if (0..n).contains(&nm.input) {
                    let e = sel.entry(nm.input as usize).or_default();
                    e.push("/etc/passwd".to_string());
                    e.push("/etc/group".to_string());
                }
            }
        }
    }
    for w in whole {
        sel.remove(&w);
    }
    // Labels carry patterns after a NUL; the path to hash is before it.
    for v in sel.values_mut() {
        v.sort();
        v.dedup();
    }
    sel
}

/// Runs every action and commits the outputs, in output-index order.
pub fn run(
    ctx: &mut OpContext<'_>,
    f: &FileOp,
    inputs: &[SnapshotId],
    outputs: usize,
) -> Result<Vec<SnapshotId>, OpError> {
    let n = inputs.len() as i64;
    let stage = ctx.store.staging()?;
    let count = f.actions.len();
    let mut uses = vec![0usize; count];
    for a in &f.actions {
        for idx in [a.input, a.secondary_input] {
            if idx >= n && ((idx - n) as usize) < count {
                uses[(idx - n) as usize] += 1;
            }
        }
        if a.output >= 0 {
            // Held for the commit below.
        }
    }
    for (i, a) in f.actions.iter().enumerate() {
        if a.output >= 0 {
            uses[i] += 1;
        }
    }
    let mut results: Vec<Option<PathBuf>> = vec![None; count];
    let mut produced: Vec<Option<PathBuf>> = vec![None; outputs];
    for (i, a) in f.actions.iter().enumerate() {
        let malformed = |reason: String| FileOpError::Malformed { action: i, reason };
        let io = |what: &'static str, path: &str| {
            let path = path.to_string();
            move |source| FileOpError::Io {
                action: i,
                what,
                path,
                source,
            }
        };
        let earlier = |idx: i64| -> Result<usize, FileOpError> {
            let j = (idx - n) as usize;
            if j >= i {
                return Err(malformed(format!(
                    "refers to the result of action #{j}, which does not come before it"
                )));
            }
            Ok(j)
        };
        // The base this action modifies.
        let root = stage.path().join(format!("a{i}"));
        match a.input {
            -1 => {
                fs::create_dir(&root).map_err(io("create", "/"))?;
                fs::set_permissions(&root, fs::Permissions::from_mode(0o755))
                    .map_err(io("chmod", "/"))?;
            }
            x if (0..n).contains(&x) => {
                let src = ctx.store.snapshot_path(&inputs[x as usize]);
                fsutil::copy_tree(&src, &root).map_err(io("copy input", "/"))?;
            }
            x if x >= n => {
                let j = earlier(x)?;
                let from = results[j].clone().ok_or_else(|| {
                    malformed(format!("result of action #{j} was already consumed"))
                })?;
                uses[j] -= 1;
                if uses[j] == 0 {
                    fs::rename(&from, &root).map_err(io("move result", "/"))?;
                    results[j] = None;
                } else {
                    fsutil::copy_tree(&from, &root).map_err(io("copy result", "/"))?;
                }
            }
            x => return Err(malformed(format!("invalid input index {x}")).into()),
        }
        let secondary: Option<PathBuf> = match a.secondary_input {
            -1 => None,
            x if (0..n).contains(&x) => Some(ctx.store.snapshot_path(&inputs[x as usize])),
            x if x >= n => {
                let j = earlier(x)?;
                uses[j] = uses[j].saturating_sub(1);
                Some(results[j].clone().ok_or_else(|| {
                    malformed(format!("result of action #{j} was already consumed"))
                })?)
            }
            x => return Err(malformed(format!("invalid secondary input index {x}")).into()),
        };
        let root_for = |idx: i64| -> Option<PathBuf> {
            match idx {
                -1 => Some(root.clone()),
                x if (0..n).contains(&x) => Some(ctx.store.snapshot_path(&inputs[x as usize])),
                x if x >= n && ((x - n) as usize) < i => results[(x - n) as usize].clone(),
                _ => None,
            }
        };
        match &a.action {
            Some(Action::Mkdir(m)) => {
                mkdir(i, &root, m, owner::resolve(i, m.owner.as_ref(), &root_for)?)?
            }
            Some(Action::Mkfile(m)) => {
                mkfile(i, &root, m, owner::resolve(i, m.owner.as_ref(), &root_for)?)?
            }
            Some(Action::Rm(r)) => rm(i, &root, r)?,
            Some(Action::Symlink(s)) => {
                symlink_action(i, &root, s, owner::resolve(i, s.owner.as_ref(), &root_for)?)?
            }
            Some(Action::Copy(c)) => {
                let src = secondary.ok_or_else(|| {
                    malformed("copy has no source (secondaryInput is -1)".to_string())
                })?;
                let own = owner::resolve(i, c.owner.as_ref(), &root_for)?;
                super::copy::copy(i, &src, &root, c, own)?;
            }
            None => return Err(malformed("action has no operation".to_string()).into()),
        }
        if a.output >= 0 {
            let o = a.output as usize;
            if o >= outputs || produced[o].is_some() {
                return Err(
                    malformed(format!("output index {o} is out of range or used twice")).into(),
                );
            }
            uses[i] -= 1;
            if uses[i] == 0 {
                produced[o] = Some(root);
            } else {
                let keep = stage.path().join(format!("out{o}"));
                fsutil::copy_tree(&root, &keep).map_err(io("copy output", "/"))?;
                produced[o] = Some(keep);
                results[i] = Some(root);
            }
        } else {
            results[i] = Some(root);
        }
    }
    let mut out = Vec::with_capacity(outputs);
    for (o, p) in produced.into_iter().enumerate() {
        let p = p.ok_or_else(|| FileOpError::Malformed {
            action: count,
            reason: format!("no action produces output {o}"),
        })?;
        out.push(ctx.store.commit(&p)?);
    }
    Ok(out)
}

/// Applies owner and timestamp to a created entry.
pub(super) fn finish(
    action: usize,
    p: &Path,
    shown: &str,
    owner: Option<Owner>,
    ts: i64,
) -> Result<(), FileOpError> {
    let io = |what| {
        let path = shown.to_string();
        move |source| FileOpError::Io {
            action,
            what,
            path,
            source,
        }
    };
    if let Some((u, g)) = owner {
        fsutil::chown_if_permitted(p, u, g).map_err(io("chown"))?;
    }
    if ts != -1 {
        fsutil::set_mtime(
            p,
            ts.div_euclid(1_000_000_000),
            ts.rem_euclid(1_000_000_000),
        )
        .map_err(io("set time of"))?;
    }
    Ok(())
}

/// Creates missing directories along `p` (inside `root`) with `mode`.
pub(super) fn mkdir_all(
    action: usize,
    root: &Path,
    path: &str,
    mode: u32,
    owner: Option<Owner>,
    ts: i64,
) -> Result<PathBuf, FileOpError> {
    let mut cur = String::new();
    let mut last = root.to_path_buf();
    for part in fsutil::clean_components(path) {
        cur.push('/');
        cur.push_str(&part);
        let p = resolve_in_root(root, &cur, true).map_err(|source| FileOpError::Io {
            action,
            what: "resolve",
            path: cur.clone(),
            source,
        })?;
        match fs::metadata(&p) {
            Ok(md) if md.is_dir() => {}
            Ok(_) => {
                return Err(FileOpError::Conflict {
                    action,
                    path: cur.clone(),
                    reason: "exists and is not a directory".into(),
                })
            }
            Err(_) => {
                // The resolved path is inside the root; a link may have sent
                // it to a place whose parents are missing.
                fs::create_dir_all(&p).map_err(|source| FileOpError::Io {
                    action,
                    what: "create directory",
                    path: cur.clone(),
                    source,
                })?;
                fs::set_permissions(&p, fs::Permissions::from_mode(mode)).map_err(|source| {
                    FileOpError::Io {
                        action,
                        what: "chmod",
                        path: cur.clone(),
                        source,
                    }
                })?;
                finish(action, &p, &cur, owner, ts)?;
            }
        }
        last = p;
    }
    Ok(last)
}

fn mkdir(
    i: usize,
    root: &Path,
    m: &FileActionMkDir,
    owner: Option<Owner>,
) -> Result<(), FileOpError> {
    let mode = (m.mode as u32) & 0o7777;
    if m.make_parents {
        mkdir_all(i, root, &m.path, mode, owner, m.timestamp)?;
        return Ok(());
    }
    let p = resolve_in_root(root, &m.path, true).map_err(|source| FileOpError::Io {
        action: i,
        what: "resolve",
        path: m.path.clone(),
        source,
    })?;
    match fs::create_dir(&p) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(FileOpError::NotFound {
                action: i,
                path: fsutil::clean_path(&m.path),
            })
        }
        Err(source) => {
            return Err(FileOpError::Io {
                action: i,
                what: "create directory",
                path: m.path.clone(),
                source,
            })
        }
    }
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).map_err(|source| {
        FileOpError::Io {
            action: i,
            what: "chmod",
            path: m.path.clone(),
            source,
        }
    })?;
    finish(i, &p, &m.path, owner, m.timestamp)
}

fn mkfile(
    i: usize,
    root: &Path,
    m: &FileActionMkFile,
    owner: Option<Owner>,
) -> Result<(), FileOpError> {
    let p = resolve_in_root(root, &m.path, true).map_err(|source| FileOpError::Io {
        action: i,
        what: "resolve",
        path: m.path.clone(),
        source,
    })?;
    let existed = p.exists();
    fs::write(&p, &m.data).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => FileOpError::NotFound {
            action: i,
            path: fsutil::clean_path(&m.path),
        },
        _ => FileOpError::Io {
            action: i,
            what: "write",
            path: m.path.clone(),
            source,
        },
    })?;
    if !existed {
        fs::set_permissions(&p, fs::Permissions::from_mode((m.mode as u32) & 0o7777)).map_err(
            |source| FileOpError::Io {
                action: i,
                what: "chmod",
                path: m.path.clone(),
                source,
            },
        )?;
    }
    finish(i, &p, &m.path, owner, m.timestamp)
}

fn rm(i: usize, root: &Path, r: &FileActionRm) -> Result<(), FileOpError> {
    let paths = if r.allow_wildcard {
        expand_wildcard(i, root, &r.path, false)?
    } else {
        vec![fsutil::clean_path(&r.path)]
    };
    for path in paths {
        let comps = fsutil::clean_components(&path);
        let Some((base, dir)) = comps.split_last() else {
            return Err(FileOpError::Conflict {
                action: i,
                path,
                reason: "cannot remove the root directory".into(),
            });
        };
        let dir =
            resolve_in_root(root, &dir.join("/"), true).map_err(|source| FileOpError::Io {
                action: i,
                what: "resolve",
                path: path.clone(),
                source,
            })?;
        let p = dir.join(base);
        if !r.allow_not_found && fs::metadata(&p).is_err() {
            return Err(FileOpError::NotFound { action: i, path });
        }
        fsutil::remove_all(&p).map_err(|source| FileOpError::Io {
            action: i,
            what: "remove",
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

fn symlink_action(
    i: usize,
    root: &Path,
    s: &FileActionSymlink,
    owner: Option<Owner>,
) -> Result<(), FileOpError> {
    let p = resolve_in_root(root, &s.newpath, true).map_err(|source| FileOpError::Io {
        action: i,
        what: "resolve",
        path: s.newpath.clone(),
        source,
    })?;
    symlink(&s.oldpath, &p).map_err(|source| FileOpError::Io {
        action: i,
        what: "create symlink",
        path: s.newpath.clone(),
        source,
    })?;
    finish(i, &p, &s.newpath, owner, s.timestamp)
}

/// Container paths under `root` matching `pattern` (Go `filepath.Match` per
/// component), sorted.
pub(super) fn expand_wildcard(
    action: usize,
    root: &Path,
    pattern: &str,
    follow: bool,
) -> Result<Vec<String>, FileOpError> {
    let bad = || FileOpError::Malformed {
        action,
        reason: format!("bad wildcard pattern {pattern:?}"),
    };
    let mut found = vec![String::new()];
    let comps = fsutil::clean_components(pattern);
    for (k, comp) in comps.iter().enumerate() {
        let last = k + 1 == comps.len();
        let mut next = Vec::new();
        for base in &found {
            if !has_wildcard(comp) {
                next.push(format!("{base}/{}", unescape(comp)));
                continue;
            }
            let dir = resolve_in_root(root, if base.is_empty() { "/" } else { base }, true)
                .map_err(|_| bad())?;
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                if glob_match(comp, &name).map_err(|_| bad())? {
                    next.push(format!("{base}/{name}"));
                }
            }
        }
        // Keep only paths that exist (the last component is not followed).
        found = next
            .into_iter()
            .filter(|p| {
                resolve_in_root(root, p, follow || !last)
                    .map(|r| fs::symlink_metadata(r).is_ok())
                    .unwrap_or(false)
            })
            .collect();
    }
    Ok(found)
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        if c == '\\' && !esc {
            esc = true;
            continue;
        }
        esc = false;
        out.push(c);
    }
    out
}
