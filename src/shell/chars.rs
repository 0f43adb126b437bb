//! Character classes with Go's meaning, so that names, word splitting and error quoting agree
//! with BuildKit on non-ASCII input.
//!
//! Rust's `char::is_alphabetic` / `is_numeric` are wider than Go's `unicode.IsLetter` /
//! `unicode.IsDigit` (they include marks and letter-like numbers), so the letter, digit and
//! printable classes are looked up in `unicode_tables.rs`. ASCII is answered without a
//! look-up. This module knows nothing about shell syntax.

use super::unicode_tables::{DECIMAL_DIGIT, GRAPHIC, LETTER};

fn in_table(c: char, table: &[(u32, u32)]) -> bool {
    let cp = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's `unicode.IsSpace`: the White_Space property.
#[inline]
pub(crate) fn is_space(c: char) -> bool {
    match c {
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}' => true,
        _ if (c as u32) < 0x1680 => false,
        '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' => true,
        '\u{205f}' | '\u{3000}' => true,
        _ => false,
    }
}

/// Go's `unicode.IsLetter`: General_Category L.
#[inline]
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(c, LETTER)
    }
}

/// Go's `unicode.IsDigit`: General_Category Nd (any script's decimal digits).
#[inline]
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_table(c, DECIMAL_DIGIT)
    }
}

/// A character that may continue a variable name (and a Go regexp template group name).
#[inline]
pub(crate) fn is_name_char(c: char) -> bool {
    c == '_' || is_letter(c) || is_digit(c)
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and U+0020.
pub(crate) fn is_print(c: char) -> bool {
    if c.is_ascii() {
        (' '..='~').contains(&c)
    } else {
        in_table(c, GRAPHIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_classes() {
        for b in 0u8..128 {
            let c = b as char;
            assert_eq!(is_letter(c), c.is_ascii_alphabetic(), "{c:?}");
            assert_eq!(is_digit(c), c.is_ascii_digit(), "{c:?}");
            assert_eq!(is_print(c), c.is_ascii_graphic() || c == ' ', "{c:?}");
        }
    }

    #[test]
    fn non_ascii_samples() {
        for c in ['é', 'ß', 'Ω', 'ж', '한', '国', 'ª', 'ʰ'] {
            assert!(is_letter(c), "{c:?}");
        }
        for c in ['\u{301}', 'Ⅳ', '²', '٣', '_', '·'] {
            assert!(!is_letter(c), "{c:?}");
        }
        for c in ['٣', '३', '０', '𝟘'] {
            assert!(is_digit(c), "{c:?}");
        }
        for c in ['²', 'Ⅳ', '½', 'a'] {
            assert!(!is_digit(c), "{c:?}");
        }
        for c in ['\u{a0}', '\u{ad}', '\u{feff}', '\u{200b}', '\u{e000}', '\u{378}'] {
            assert!(!is_print(c), "{c:?}");
        }
        for c in ['é', '\u{301}', '♥', '€', '\u{1F600}', '\u{a1}'] {
            assert!(is_print(c), "{c:?}");
        }
    }

    /// The tables can only be narrower than Rust's wider classes, and whitespace is one
    /// Unicode property in both languages.
    #[test]
    fn consistent_with_std() {
        for cp in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            assert_eq!(is_space(c), c.is_whitespace(), "{c:?}");
            if is_letter(c) {
                assert!(c.is_alphabetic(), "{c:?}");
            }
            if is_digit(c) {
                assert!(c.is_numeric(), "{c:?}");
            }
            if is_print(c) {
                assert!(!c.is_control() && !c.is_whitespace() || c == ' ', "{c:?}");
            }
        }
    }

    #[test]
    fn tables_sorted_and_disjoint() {
        for table in [LETTER, DECIMAL_DIGIT, GRAPHIC] {
            for w in table.windows(2) {
                assert!(w[0].0 <= w[0].1 && w[0].1 + 1 < w[1].0, "{w:?}");
            }
        }
    }
}
