//! The scanner: one left-to-right pass over a word that removes quotes and escapes, expands
//! `$name` / `${…}` and, on request, splits the result into words and records which variables
//! were looked up.
//!
//! It follows BuildKit's lexer rule for rule, quirks included (see the module docs in
//! `mod.rs` for the list), and reports failures with the byte range at fault. Pattern
//! matching for `#`, `%` and `/` is in `pattern.rs`; error texts are in `error.rs`. Nothing
//! here allocates per character: ordinary runs are copied as slices.

use std::collections::BTreeSet;

use super::chars::{is_digit, is_name_char, is_space};
use super::error::ShellError;
use super::pattern::{self, BadPattern};
use super::{Env, Lexer};

/// Everything one pass produces.
pub(crate) struct Output {
    pub(crate) result: String,
    pub(crate) words: Vec<String>,
    pub(crate) matched: BTreeSet<String>,
    pub(crate) unmatched: BTreeSet<String>,
}

/// Expands `word`. `words`: also split into words; `capture`: record looked-up names.
pub(crate) fn expand(
    lexer: &Lexer,
    word: &str,
    env: &dyn Env,
    words: bool,
    capture: bool,
) -> Result<Output, ShellError> {
    let mut ex = Expander {
        lexer,
        src: word,
        // Go's text/scanner drops a byte-order mark that starts its input.
        pos: if word.starts_with('\u{FEFF}') { 3 } else { 0 },
        env,
        raw_escapes: lexer.raw_escapes,
        capture,
        matched: BTreeSet::new(),
        unmatched: BTreeSet::new(),
        words: words.then(Words::default),
    };
    let mut result = String::with_capacity(word.len());
    match ex.stop_on(None, lexer.raw_escapes, &mut result) {
        Ok(()) => Ok(Output {
            result,
            words: ex.words.map(Words::finish).unwrap_or_default(),
            matched: ex.matched,
            unmatched: ex.unmatched,
        }),
        Err(fail) => Err(fail.into_error(word)),
    }
}

/// Word splitting of the top level. BuildKit keeps the word being built in a buffer that
/// nested `${name<op>word}` processing clears when it starts, so text of the current word
/// before such an expansion is lost; that is reproduced by `clear_pending`.
#[derive(Default)]
struct Words {
    pending: String,
    done: Vec<String>,
}

impl Words {
    /// Unquoted text: whitespace separates words.
    fn add_split(&mut self, s: &str) {
        let mut from = 0;
        for (i, c) in s.char_indices() {
            if is_space(c) {
                self.pending.push_str(&s[from..i]);
                self.flush();
                from = i + c.len_utf8();
            }
        }
        self.pending.push_str(&s[from..]);
    }

    /// Quoted or escaped text: kept whole.
    fn add_raw(&mut self, s: &str) {
        self.pending.push_str(s);
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            self.done.push(std::mem::take(&mut self.pending));
        }
    }

    fn clear_pending(&mut self) {
        self.pending.clear();
    }

    fn finish(mut self) -> Vec<String> {
        self.flush();
        self.done
    }
}

/// What went wrong, before it is tied to the input.
enum FailKind {
    SingleQuote,
    DoubleQuote,
    /// The input ended before the stop character; callers always turn it into a
    /// missing-`}` or missing-`/` error.
    EndOfStatement(char),
    MissingBrace,
    MissingSlash,
    BadSubstitution,
    Unsupported(String),
    Unset(String, String),
    Empty(String, String),
    Pattern(BadPattern),
}

struct Fail {
    kind: FailKind,
    start: usize,
    end: usize,
}

impl Fail {
    fn into_error(self, word: &str) -> ShellError {
        let word = word.to_owned();
        let span = (self.start, self.end.saturating_sub(self.start)).into();
        let message = |m: String| (!m.is_empty()).then_some(m);
        match self.kind {
            FailKind::SingleQuote => ShellError::UnterminatedSingleQuote { word, span },
            FailKind::DoubleQuote => ShellError::UnterminatedDoubleQuote { word, span },
            FailKind::EndOfStatement('/') | FailKind::MissingSlash => {
                ShellError::MissingSlash { word, span }
            }
            FailKind::EndOfStatement(_) | FailKind::MissingBrace => {
                ShellError::MissingBrace { word, span }
            }
            FailKind::BadSubstitution => ShellError::BadSubstitution { word, span },
            FailKind::Unsupported(modifier) => ShellError::UnsupportedModifier {
                word,
                span,
                modifier,
            },
            FailKind::Unset(name, m) => ShellError::VariableUnset {
                word,
                span,
                name,
                message: message(m),
            },
            FailKind::Empty(name, m) => ShellError::VariableEmpty {
                word,
                span,
                name,
                message: message(m),
            },
            FailKind::Pattern(BadPattern { pattern, escaped }) => ShellError::InvalidPattern {
                word,
                span,
                pattern,
                escaped,
            },
        }
    }
}

/// Characters that end an ordinary run: an ASCII bit set plus at most one non-ASCII one
/// (a non-ASCII escape character).
#[derive(Clone, Copy)]
struct Stops {
    ascii: u128,
    other: Option<char>,
}

impl Stops {
    fn new(chars: &[char]) -> Stops {
        let mut stops = Stops {
            ascii: 0,
            other: None,
        };
        for &c in chars {
            if c.is_ascii() {
                stops.ascii |= 1 << (c as u32);
            } else {
                stops.other = Some(c);
            }
        }
        stops
    }

    /// Byte offset of the first stop in `s`, or `s.len()`.
    fn find(self, s: &str) -> usize {
        let hit = |b: u8| b < 128 && self.ascii & (1 << b) != 0;
        match self.other {
            None => s.bytes().position(hit).unwrap_or(s.len()),
            Some(other) => s
                .char_indices()
                .find(|&(_, c)| c == other || (c.is_ascii() && hit(c as u8)))
                .map_or(s.len(), |(i, _)| i),
        }
    }
}

const NO_CHAR: char = '\u{FFFD}';

struct Expander<'a> {
    lexer: &'a Lexer,
    src: &'a str,
    pos: usize,
    env: &'a dyn Env,
    /// Whether escape characters are kept; changes with nesting (on inside patterns, off
    /// inside the word of `-`, `+`, `?`).
    raw_escapes: bool,
    capture: bool,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    words: Option<Words>,
}

impl<'a> Expander<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn at_eof(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn fail(&self, kind: FailKind, start: usize) -> Fail {
        Fail {
            kind,
            start,
            end: self.pos,
        }
    }

    fn words_at(&mut self, top: bool) -> Option<&mut Words> {
        if top {
            self.words.as_mut()
        } else {
            None
        }
    }

    /// Processes up to `stop` (consumed) or, for `None`, to the end of the input. `raw_escapes`
    /// holds for this level and what it calls; the previous setting is restored on return.
    fn stop_on(&mut self, stop: Option<char>, raw_escapes: bool, out: &mut String) -> Result<(), Fail> {
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let r = self.stop_on_inner(stop, out);
        self.raw_escapes = saved;
        r
    }

    fn stop_on_inner(&mut self, stop: Option<char>, out: &mut String) -> Result<(), Fail> {
        let top = stop.is_none();
        if !top {
            if let Some(words) = self.words.as_mut() {
                words.clear_pending();
            }
        }
        let quotes = !self.lexer.skip_process_quotes;
        let escape = self.lexer.escape;
        let (single, double) = if quotes { ('\'', '"') } else { ('$', '$') };
        let stops = Stops::new(&['$', '<', escape, stop.unwrap_or('$'), single, double]);

        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.pos += ch.len_utf8();
                return Ok(());
            }
            let mark = out.len();
            match ch {
                '$' => {
                    self.dollar(out)?;
                    if let Some(words) = self.words_at(top) {
                        words.add_split(&out[mark..]);
                    }
                }
                '<' => {
                    self.heredoc(out);
                    if let Some(words) = self.words_at(top) {
                        words.add_raw(&out[mark..]);
                    }
                }
                '\'' | '"' if quotes => {
                    if ch == '\'' {
                        self.single_quote(out)?;
                    } else {
                        self.double_quote(out)?;
                    }
                    if let Some(words) = self.words_at(top) {
                        words.add_raw(&out[mark..]);
                    }
                }
                _ if ch == escape => {
                    self.pos += ch.len_utf8();
                    if self.raw_escapes {
                        out.push(ch);
                    }
                    // An escape at the very end is dropped (kept above if raw).
                    if let Some(next) = self.bump() {
                        out.push(next);
                    }
                    if let Some(words) = self.words_at(top) {
                        words.add_raw(&out[mark..]);
                    }
                }
                _ => {
                    let start = self.pos;
                    self.pos += ch.len_utf8();
                    self.pos += stops.find(&self.src[self.pos..]);
                    out.push_str(&self.src[start..self.pos]);
                    if let Some(words) = self.words_at(top) {
                        words.add_split(&out[mark..]);
                    }
                }
            }
        }
        match stop {
            Some(c) => Err(self.fail(FailKind::EndOfStatement(c), self.pos)),
            None => Ok(()),
        }
    }

    /// `<` or `<<` plus the blanks after it, unchanged (kept as one piece when splitting).
    fn heredoc(&mut self, out: &mut String) {
        self.pos += 1;
        if self.peek() != Some('<') {
            out.push('<');
            return;
        }
        self.pos += 1;
        out.push_str("<<");
        while let Some(c @ (' ' | '\t' | '\r')) = self.peek() {
            self.pos += 1;
            out.push(c);
        }
    }

    /// `'…'`: everything literal up to the next `'`.
    fn single_quote(&mut self, out: &mut String) -> Result<(), Fail> {
        let start = self.pos;
        self.pos += 1;
        let raw = self.lexer.raw_quotes;
        if raw {
            out.push('\'');
        }
        match self.src[self.pos..].find('\'') {
            Some(len) => {
                out.push_str(&self.src[self.pos..self.pos + len]);
                self.pos += len + 1;
                if raw {
                    out.push('\'');
                }
                Ok(())
            }
            None => {
                self.pos = self.src.len();
                Err(self.fail(FailKind::SingleQuote, start))
            }
        }
    }

    /// `"…"`: literal except `$` expansions and the escape character, which escapes only
    /// `"`, `$` and itself (before anything else it is kept).
    fn double_quote(&mut self, out: &mut String) -> Result<(), Fail> {
        let start = self.pos;
        self.pos += 1;
        let raw = self.lexer.raw_quotes;
        if raw {
            out.push('"');
        }
        let escape = self.lexer.escape;
        let stops = Stops::new(&['"', '$', escape]);
        loop {
            let Some(ch) = self.peek() else {
                return Err(self.fail(FailKind::DoubleQuote, start));
            };
            match ch {
                '"' => {
                    self.pos += 1;
                    if raw {
                        out.push('"');
                    }
                    return Ok(());
                }
                '$' => self.dollar(out)?,
                _ if ch == escape => {
                    self.pos += ch.len_utf8();
                    if self.raw_escapes {
                        out.push(ch);
                    }
                    match self.peek() {
                        None => {}
                        Some(next) if next == '"' || next == '$' || next == escape => {
                            self.pos += next.len_utf8();
                            out.push(next);
                        }
                        Some(_) => out.push(ch),
                    }
                }
                _ => {
                    let run = self.pos;
                    self.pos += ch.len_utf8();
                    self.pos += stops.find(&self.src[self.pos..]);
                    out.push_str(&self.src[run..self.pos]);
                }
            }
        }
    }

    /// A variable name after `$` or `${`: a run of decimal digits, or one special-parameter
    /// character (`@ * # ? - $ ! 0`), or letters, digits and `_`. May be empty.
    fn name(&mut self) -> &'a str {
        let src: &'a str = self.src;
        let start = self.pos;
        match self.peek() {
            Some(c) if is_digit(c) => {
                while let Some(c) = self.peek().filter(|&c| is_digit(c)) {
                    self.pos += c.len_utf8();
                }
            }
            Some(c @ ('@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')) => self.pos += c.len_utf8(),
            _ => {
                while let Some(c) = self.peek().filter(|&c| is_name_char(c)) {
                    self.pos += c.len_utf8();
                }
            }
        }
        &src[start..self.pos]
    }

    fn lookup(&mut self, name: &str) -> Option<&'a str> {
        let env: &'a dyn Env = self.env;
        let value = env.get(name);
        if self.capture {
            let seen = if value.is_some() {
                &mut self.matched
            } else {
                &mut self.unmatched
            };
            if !seen.contains(name) {
                seen.insert(name.to_owned());
            }
        }
        value
    }

    /// A nested piece up to `stop`; running out of input is reported as `missing`.
    fn nested(&mut self, stop: char, raw: bool, missing: FailKind, start: usize) -> Result<String, Fail> {
        let mut piece = String::new();
        match self.stop_on(Some(stop), raw, &mut piece) {
            Ok(()) => Ok(piece),
            Err(_) if self.at_eof() => Err(Fail {
                kind: missing,
                start,
                end: self.src.len(),
            }),
            Err(fail) => Err(fail),
        }
    }

    /// `$name`, `${name}` or `${name<op>word}`, at a `$`.
    fn dollar(&mut self, out: &mut String) -> Result<(), Fail> {
        let start = self.pos;
        self.pos += 1;
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                out.push('$');
                return Ok(());
            }
            match self.lookup(name) {
                Some(value) => out.push_str(value),
                None if self.lexer.skip_unset_env => {
                    out.push('$');
                    out.push_str(name);
                }
                None => {}
            }
            return Ok(());
        }
        self.pos += 1;
        match self.peek() {
            None => return Err(self.fail(FailKind::MissingBrace, start)),
            Some('{' | '}' | ':') => {
                let mut fail = self.fail(FailKind::BadSubstitution, start);
                fail.end += 1;
                return Err(fail);
            }
            Some(_) => {}
        }
        let name = self.name();
        let first = self.bump();
        match first {
            Some('}') => {
                match self.lookup(name) {
                    Some(value) => out.push_str(value),
                    None if self.lexer.skip_unset_env => {
                        out.push_str("${");
                        out.push_str(name);
                        out.push('}');
                    }
                    None => {}
                }
                Ok(())
            }
            Some(':' | '+' | '-' | '?' | '#' | '%') => self.operator(name, first, start, out),
            Some('/') => self.replace(name, start, out),
            _ => Err(self.fail(FailKind::Unsupported(first.unwrap_or(NO_CHAR).to_string()), start)),
        }
    }

    /// `${name[:]op word}` for the operators `-`, `+`, `?`, `#`, `##`, `%`, `%%`; `first` is
    /// the character after the name (already consumed).
    fn operator(&mut self, name: &str, first: Option<char>, start: usize, out: &mut String) -> Result<(), Fail> {
        let mut modifier = String::new();
        modifier.push(first.unwrap_or(NO_CHAR));
        let null_is_unset = first == Some(':');
        let op = if null_is_unset {
            let op = self.bump();
            modifier.push(op.unwrap_or(NO_CHAR));
            op
        } else {
            first
        };
        let is_trim = matches!(op, Some('#' | '%'));
        if null_is_unset && is_trim {
            return Err(self.fail(FailKind::Unsupported(modifier), start));
        }
        let word = self.nested('}', is_trim, FailKind::MissingBrace, start)?;

        let value = self.lookup(name);
        if self.lexer.skip_unset_env && value.is_none() {
            out.push_str("${");
            out.push_str(name);
            out.push_str(&modifier);
            out.push_str(&word);
            out.push('}');
            return Ok(());
        }
        let usable = value.filter(|v| !(null_is_unset && v.is_empty()));
        match op {
            Some('-') => out.push_str(usable.unwrap_or(&word)),
            Some('+') => {
                if usable.is_some() {
                    out.push_str(&word);
                }
            }
            Some('?') => match value {
                None => return Err(self.fail(FailKind::Unset(name.to_owned(), word), start)),
                Some("") if null_is_unset => {
                    return Err(self.fail(FailKind::Empty(name.to_owned(), word), start))
                }
                Some(value) => out.push_str(value),
            },
            Some(op @ ('#' | '%')) => {
                let value = value.unwrap_or("");
                let (greedy, pattern) = match word.strip_prefix(op) {
                    Some(rest) => (true, rest),
                    None => (false, word.as_str()),
                };
                let trimmed = if op == '#' {
                    pattern::trim_prefix(pattern, value, greedy).map(|s| out.push_str(s))
                } else {
                    pattern::trim_suffix(pattern, value, greedy).map(|s| out.push_str(&s))
                };
                trimmed.map_err(|bad| self.fail(FailKind::Pattern(bad), start))?;
            }
            _ => return Err(self.fail(FailKind::Unsupported(modifier), start)),
        }
        Ok(())
    }

    /// `${name/pattern/replacement}` and `${name//pattern/replacement}`, after the first `/`.
    fn replace(&mut self, name: &str, start: usize, out: &mut String) -> Result<(), Fail> {
        let all = self.peek() == Some('/');
        if all {
            self.pos += 1;
        }
        let pattern = self.nested('/', true, FailKind::MissingSlash, start)?;
        let replacement = self.nested('}', true, FailKind::MissingBrace, start)?;
        let value = self.lookup(name);
        if self.lexer.skip_unset_env && value.is_none() {
            // BuildKit writes one `/` back even for `//`.
            out.push_str("${");
            out.push_str(name);
            out.push('/');
            out.push_str(&pattern);
            out.push('/');
            out.push_str(&replacement);
            out.push('}');
            return Ok(());
        }
        pattern::replace(&pattern, value.unwrap_or(""), &replacement, all, out)
            .map_err(|bad| self.fail(FailKind::Pattern(bad), start))
    }
}
