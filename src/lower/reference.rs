//! Image references (`distribution/reference` normalization) live in the `dfc-registry`
//! crate, shared with the runner; lowering keeps using them under this path.

pub use dfc_registry::reference::Reference;
