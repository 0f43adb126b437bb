//! Rootless builds: user namespaces. An ordinary user's `dfc` runs itself
//! again as root of a new user + mount namespace ([`reexec`]), where the
//! runner does everything it does as root (overlayfs with `userxattr`,
//! tmpfs, proc, pivot_root), with the same store layout. [`IdMap`] tells the
//! runner which namespace it is in and which file owners exist there.
//!
//! What it does not do: decide when to re-run (the CLI does, for commands that
//! touch the store), or change what a build produces: the same definition
//! gives the same snapshots and image digests as a build by real root, as long
//! as every owner in it is mapped.

mod enter;
mod idmap;
pub mod subid;

pub use enter::{adopt_parent, reexec, Mapping, RootlessError, PARENT_ENV};
pub use idmap::{in_user_namespace, parse_map, unmapped_owner, unmapped_user, IdMap, Range};
