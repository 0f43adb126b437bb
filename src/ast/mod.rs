//! Typed instructions and stages.
