//! OCI platforms (containerd's parsing, normalization and formatting) live in the
//! `dfc-registry` crate, shared with the runner; lowering keeps using them under this path.

pub use dfc_registry::platform::Platform;
