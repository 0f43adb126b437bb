//! Word splitting for `process_words`: unquoted whitespace (Go's `unicode.IsSpace`, so also
//! NBSP, U+3000, …) separates words, quoted and escaped text is kept whole, empty words are
//! dropped.
//!
//! The scanner decides what is quoted; this module only accumulates pieces. It does not look
//! at quotes, escapes or variables itself.

use super::chars::is_space;

/// Word splitting of the top level. BuildKit keeps the word being built in a buffer that
/// nested `${name<op>word}` processing clears when it starts, so text of the current word
/// before such an expansion is lost; that is reproduced by `clear_pending`.
#[derive(Default)]
pub(crate) struct Words {
    pending: String,
    done: Vec<String>,
}

impl Words {
    /// Unquoted text: whitespace separates words.
    pub(crate) fn add_split(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let (mut from, mut i) = (0, 0);
        while i < bytes.len() {
            let (space, len) = match bytes[i] {
                b @ 0..=0x7f => (matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '), 1),
                _ => match s[i..].chars().next() {
                    Some(c) => (is_space(c), c.len_utf8()),
                    None => break,
                },
            };
            if space {
                self.pending.push_str(&s[from..i]);
                self.flush();
                from = i + len;
            }
            i += len;
        }
        self.pending.push_str(&s[from..]);
    }

    /// Quoted or escaped text: kept whole.
    pub(crate) fn add_raw(&mut self, s: &str) {
        self.pending.push_str(s);
    }

    pub(crate) fn flush(&mut self) {
        if !self.pending.is_empty() {
            self.done.push(std::mem::take(&mut self.pending));
        }
    }

    pub(crate) fn clear_pending(&mut self) {
        self.pending.clear();
    }

    pub(crate) fn finish(mut self) -> Vec<String> {
        self.flush();
        self.done
    }
}
