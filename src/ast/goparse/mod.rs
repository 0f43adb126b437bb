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

/// `strconv.Quote`: double-quoted, with Go escapes for quotes, backslashes and
/// non-printable characters.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}

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
