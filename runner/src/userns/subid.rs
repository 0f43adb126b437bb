//! Subordinate id ranges from `/etc/subuid` and `/etc/subgid` (shadow-utils'
//! format: `NAME_OR_ID:FIRST:COUNT` per line), the ids `newuidmap` and
//! `newgidmap` let an ordinary user map into its user namespace.
//!
//! What it does not do: check the ranges against other users' (newuidmap
//! does), or read subordinate ids from NSS plugins.

use std::path::Path;

/// One subordinate range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubRange {
    /// First host id.
    pub first: u32,
    /// How many ids.
    pub count: u32,
}

/// The ranges of `text` that belong to the user named `name` or numbered
/// `id`, in file order; malformed lines and empty ranges are skipped.
pub fn ranges_for(text: &str, name: Option<&str>, id: u32) -> Vec<SubRange> {
    let id = id.to_string();
    text.lines()
        .filter_map(|line| {
            let mut f = line.trim().split(':');
            let (owner, first, count) = (f.next()?, f.next()?, f.next()?);
            if f.next().is_some() || (Some(owner) != name && owner != id) {
                return None;
            }
            let range = SubRange {
                first: first.parse().ok()?,
                count: count.parse().ok()?,
            };
            (range.count > 0).then_some(range)
        })
        .collect()
}

/// The ranges for a user in the file at `path` (none when it is missing).
pub fn read_ranges(path: &Path, name: Option<&str>, id: u32) -> Vec<SubRange> {
    std::fs::read_to_string(path)
        .map(|t| ranges_for(&t, name, id))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_by_name_or_id() {
        let text = "alice:100000:65536\n# comment\n1001:200000:1000\nbob:300000:65536\n\
                    alice:400000:10\nalice:x:1\nalice:500000:0\n";
        assert_eq!(
            ranges_for(text, Some("alice"), 1001),
            [
                SubRange {
                    first: 100000,
                    count: 65536
                },
                SubRange {
                    first: 200000,
                    count: 1000
                },
                SubRange {
                    first: 400000,
                    count: 10
                },
            ]
        );
        assert!(ranges_for(text, Some("carol"), 7).is_empty());
        assert_eq!(ranges_for(text, None, 1001).len(), 1);
    }
}
