//! Owners of created files (`--chown`): ids as given, names looked up in
//! `/etc/passwd` and `/etc/group` of the chosen root (resolved safely inside
//! it). A user without a group gets the user's primary group, as BuildKit
//! does.

use std::fs;
use std::path::Path;

use llb_schema::pb::{user_opt, ChownOpt, UserOpt};

use crate::error::FileOpError;
use crate::fsutil::resolve_in_root;

/// Resolved uid and gid.
pub type Owner = (u32, u32);

fn lookup(root: &Path, file: &str, name: &str) -> Option<(u32, Option<u32>)> {
    let path = resolve_in_root(root, &format!("/etc/{file}"), true).ok()?;
    let text = fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 3 || f[0] != name {
            return None;
        }
        let id = f[2].parse().ok()?;
        let gid = f.get(3).and_then(|g| g.parse().ok());
        Some((id, gid))
    })
}

/// Resolves `opt`; `root_for` maps a `NamedUserOpt.input` index to the root
/// whose /etc files name the users (`None` when the index is invalid).
pub fn resolve(
    action: usize,
    opt: Option<&ChownOpt>,
    root_for: &dyn Fn(i64) -> Option<std::path::PathBuf>,
) -> Result<Option<Owner>, FileOpError> {
    let Some(opt) = opt else { return Ok(None) };
    let Some(user) = &opt.user else {
        return Ok(None);
    };
    let one = |u: &UserOpt,
               file: &'static str,
               kind: &'static str|
     -> Result<(u32, Option<u32>), FileOpError> {
        match &u.user {
            Some(user_opt::User::ById(id)) => Ok((*id, None)),
            Some(user_opt::User::ByName(n)) => {
                let root = root_for(n.input).ok_or_else(|| FileOpError::Malformed {
                    action,
                    reason: format!(
                        "owner {:?} refers to input {} which does not exist",
                        n.name, n.input
                    ),
                })?;
                lookup(&root, file, &n.name).ok_or_else(|| FileOpError::UnknownOwner {
                    action,
                    kind,
                    name: n.name.clone(),
                    file,
                })
            }
            None => Ok((0, None)),
        }
    };
    let (uid, primary) = one(user, "passwd", "user")?;
    let gid = match &opt.group {
        Some(g) if g.user.is_some() => one(g, "group", "group")?.0,
        _ => primary.unwrap_or(uid),
    };
    Ok(Some((uid, gid)))
}
