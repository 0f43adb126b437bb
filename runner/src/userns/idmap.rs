//! The id mappings of the user namespace this process runs in, read from
//! `/proc/self/{uid,gid}_map`: whether it is the initial namespace (identity
//! map of every id), and which ids exist in it. A rootless build runs in a
//! namespace where only the mapped ids can own files; an owner outside the
//! mapping is refused with [`unmapped_owner`], which names the fix.
//!
//! What it does not do: create namespaces or write mappings (`enter.rs`).

use std::fs;
use std::io;
use std::sync::OnceLock;

/// One line of a `uid_map`/`gid_map`: `count` ids from `inside` on map to
/// `outside` on in the parent namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First id inside this namespace.
    pub inside: u32,
    /// First id in the parent namespace.
    pub outside: u32,
    /// How many ids.
    pub count: u32,
}

/// The mappings of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdMap {
    /// User id ranges.
    pub uids: Vec<Range>,
    /// Group id ranges.
    pub gids: Vec<Range>,
}

/// Parses the text of a `uid_map`/`gid_map` file; malformed lines are skipped.
pub fn parse_map(text: &str) -> Vec<Range> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().map(str::parse::<u32>);
            match (f.next(), f.next(), f.next()) {
                (Some(Ok(inside)), Some(Ok(outside)), Some(Ok(count))) => Some(Range {
                    inside,
                    outside,
                    count,
                }),
                _ => None,
            }
        })
        .collect()
}

fn contains(ranges: &[Range], id: u32) -> bool {
    ranges
        .iter()
        .any(|r| id >= r.inside && u64::from(id) < u64::from(r.inside) + u64::from(r.count))
}

impl IdMap {
    /// The mappings of the calling process's user namespace (read once).
    pub fn current() -> &'static IdMap {
        static MAP: OnceLock<IdMap> = OnceLock::new();
        MAP.get_or_init(|| IdMap {
            uids: parse_map(&fs::read_to_string("/proc/self/uid_map").unwrap_or_default()),
            gids: parse_map(&fs::read_to_string("/proc/self/gid_map").unwrap_or_default()),
        })
    }

    /// True in the initial user namespace (every id maps to itself). A kernel
    /// without user namespaces has no map file: that is the initial one too.
    pub fn is_initial(&self) -> bool {
        let full = |r: &[Range]| {
            r.is_empty()
                || r.iter()
                    .any(|r| r.inside == 0 && r.outside == 0 && r.count == u32::MAX)
        };
        full(&self.uids) && full(&self.gids)
    }

    /// Whether a file may be owned by `uid:gid` in this namespace.
    pub fn maps(&self, uid: u32, gid: u32) -> bool {
        (self.uids.is_empty() || contains(&self.uids, uid))
            && (self.gids.is_empty() || contains(&self.gids, gid))
    }

    /// How many user ids exist here (for messages).
    pub fn uid_count(&self) -> u64 {
        self.uids.iter().map(|r| u64::from(r.count)).sum()
    }
}

/// True when this process runs in a user namespace other than the initial
/// one (a rootless build).
pub fn in_user_namespace() -> bool {
    !IdMap::current().is_initial()
}

/// How to get more ids into a rootless namespace than it has.
fn fix(map: &IdMap) -> &'static str {
    if map.uid_count() <= 1 {
        "this rootless build has a single-id mapping (only root exists inside); \
         give the user subordinate ids (a USER:100000:65536 line in /etc/subuid and \
         in /etc/subgid) and install newuidmap/newgidmap (Debian package uidmap), \
         or build as root"
    } else {
        "the user's subordinate id range (/etc/subuid, /etc/subgid) is too small \
         for this id; widen it, or build as root"
    }
}

/// The error for a file owner that this user namespace cannot represent,
/// naming where it came from (`what`) and the fix.
pub fn unmapped_owner(what: &str, uid: u32, gid: u32) -> io::Error {
    let map = IdMap::current();
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{what} is owned by {uid}:{gid}, which is not mapped in this user \
             namespace ({} user ids): {}",
            map.uid_count(),
            fix(map)
        ),
    )
}

/// The error for a step user (`uid:gid`) that does not exist in this user
/// namespace, with the fix.
pub fn unmapped_user(uid: u32, gid: u32) -> io::Error {
    let map = IdMap::current();
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{uid}:{gid} is not mapped in this user namespace ({} user ids): {}",
            map.uid_count(),
            fix(map)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_initial_namespace() {
        let init = IdMap {
            uids: parse_map("         0          0 4294967295\n"),
            gids: parse_map("0 0 4294967295"),
        };
        assert!(init.is_initial());
        assert!(init.maps(70000, 5));
        let single = IdMap {
            uids: parse_map("0 1000 1\n"),
            gids: parse_map("0 1000 1\n"),
        };
        assert!(!single.is_initial());
        assert!(single.maps(0, 0));
        assert!(!single.maps(1, 0));
        assert!(!single.maps(0, 1));
        let sub = IdMap {
            uids: parse_map("0 1000 1\n1 100000 65536\n"),
            gids: parse_map("0 1000 1\n1 100000 65536\nbad line\n"),
        };
        assert_eq!(sub.gids.len(), 2);
        assert!(sub.maps(65536, 65536));
        assert!(!sub.maps(65537, 0));
        assert_eq!(sub.uid_count(), 65537);
    }
}
