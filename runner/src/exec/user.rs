//! `USER` resolution inside a root filesystem: `name`, `uid`, `name:group`,
//! `uid:gid`, looked up in the rootfs's `/etc/passwd` and `/etc/group`, with
//! the user's supplementary groups, as runc and BuildKit do. An unknown
//! name is an error; an unknown numeric id is used as is (group = uid's
//! primary group if known, else 0).

use std::fs;
use std::path::Path;

use crate::fsutil::resolve_in_root;

/// A resolved identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Supplementary group ids.
    pub groups: Vec<u32>,
    /// Home directory (for `HOME`), `/` if unknown.
    pub home: String,
}

fn read(root: &Path, file: &str) -> Vec<Vec<String>> {
    resolve_in_root(root, &format!("/etc/{file}"), true)
        .ok()
        .and_then(|p| fs::read_to_string(p).ok())
        .map(|t| {
            t.lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split(':').map(str::to_string).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// Resolves `spec` (`""` means root) in `root`.
pub fn resolve(root: &Path, spec: &str) -> Result<Identity, String> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let user = if user.is_empty() { "0" } else { user };
    let passwd = read(root, "passwd");
    let groups = read(root, "group");
    let entry = passwd
        .iter()
        .find(|f| f.len() >= 4 && (f[0] == user || (user.parse::<u32>().is_ok() && f[2] == user)));
    let (uid, mut gid, name, home) = match (entry, user.parse::<u32>()) {
        (Some(f), _) => (
            f[2].parse()
                .map_err(|_| format!("bad uid in /etc/passwd for {user}"))?,
            f[3].parse().unwrap_or(0),
            f[0].clone(),
            f.get(5).cloned().unwrap_or_else(|| "/".into()),
        ),
        (None, Ok(uid)) => (uid, 0, String::new(), "/".into()),
        (None, Err(_)) => {
            return Err(format!(
                "unable to find user {user}: no matching entries in passwd file"
            ))
        }
    };
    if let Some(g) = group {
        gid = match groups.iter().find(|f| f.len() >= 3 && f[0] == g) {
            Some(f) => f[2]
                .parse()
                .map_err(|_| format!("bad gid in /etc/group for {g}"))?,
            None => g.parse().map_err(|_| {
                format!("unable to find group {g}: no matching entries in group file")
            })?,
        };
    }
    let mut supp: Vec<u32> = if group.is_none() && !name.is_empty() {
        groups
            .iter()
            .filter(|f| f.len() >= 4 && f[3].split(',').any(|m| m == name))
            .filter_map(|f| f[2].parse().ok())
            .collect()
    } else {
        Vec::new()
    };
    supp.retain(|g| *g != gid);
    supp.insert(0, gid);
    supp.dedup();
    Ok(Identity {
        uid,
        gid,
        groups: supp,
        home,
    })
}
