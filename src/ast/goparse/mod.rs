//! Go standard-library behaviour that BuildKit's messages and checks depend on.
//!
//! This file: `strconv.Quote` (for `%q`/`%#v` in messages) and Go's per-character case
//! mapping. [`duration`] has `time.ParseDuration`, [`numbers`] `strconv`'s integer and
//! bool parsing and go-units' `RAMInBytes`. Only what the typed layer needs; these are
//! not general-purpose ports.

mod duration;
mod numbers;

pub use duration::{parse_duration, to_duration};
pub use numbers::{parse_bool, parse_int10, parse_uint, ram_in_bytes};

/// `strconv.Quote` (exact, with Go's Unicode tables); shared with the shell's messages.
pub use crate::shell::go_quote as quote;

/// Go's `strings.ToLower`: per-character simple mappings (no final sigma, no expansions).
pub fn lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\u{130}' {
                return 'i';
            }
            let mut m = c.to_lowercase();
            match (m.next(), m.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.ToUpper`: per-character simple mappings (`ß` stays `ß`).
pub fn upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut m = c.to_uppercase();
            match (m.next(), m.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_like_strconv() {
        assert_eq!(quote("abc"), "\"abc\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("tab\there\n"), "\"tab\\there\\n\"");
        assert_eq!(quote("\u{1}"), "\"\\x01\"");
        assert_eq!(quote("héllo"), "\"héllo\"");
        assert_eq!(quote("\u{a0}"), "\"\\u00a0\"");
    }

    #[test]
    fn go_case_mapping() {
        assert_eq!(lower("FROM"), "from");
        assert_eq!(lower("ΑΣ"), "ασ");
        assert_eq!(lower("\u{130}"), "i");
        assert_eq!(upper("cmd"), "CMD");
        assert_eq!(upper("ß"), "ß");
    }
}
