//! Focused tests of the options and behaviours that BuildKit's tables do not cover.
