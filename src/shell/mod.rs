//! Word expansion.
