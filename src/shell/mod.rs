//! Word expansion with BuildKit's rules: quote and escape removal, `$name` / `${…}`
//! substitution and, optionally, splitting into words.
//!
//! This is what BuildKit's Dockerfile frontend applies to instruction arguments (`ENV`,
//! `COPY`, `WORKDIR`, `FROM`, `EXPOSE`, heredoc delimiters, …). The aim is the same output and
//! the same errors as BuildKit for every input and option. It is pure: no I/O, no process
//! environment, no command substitution, and it never panics.
//!
//! # What is supported
//!
//! * `'…'` literal; `"…"` literal except `$` and the escape character, which there escapes only
//!   `"`, `$` and itself; outside quotes the escape character (`\` or `` ` ``) makes the next
//!   character literal, and is dropped at the very end of the input.
//! * `$name`, `${name}`; a name is letters, digits and `_`, or a run of digits (`$12` is
//!   variable `12`), or one of `@ * # ? - $ ! 0`. A `$` not followed by a name stays `$`.
//! * `${v-w}` / `${v:-w}`, `${v+w}` / `${v:+w}`, `${v?m}` / `${v:?m}` (an error naming `v`),
//!   where the `:` forms also treat an empty value as unset.
//! * `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}` (trim shortest / longest prefix / suffix) and
//!   `${v/p/r}`, `${v//p/r}` (replace first / all), with `*` and `?` patterns: see
//!   `pattern.rs` for the exact matching rules.
//!
//! # BuildKit quirks kept on purpose
//!
//! * The word after an operator is always expanded, even when not used, so lookups and errors
//!   inside it happen either way (`${a:-$b}` records `b` as well as `a`).
//! * Inside `#`, `%` and `/` patterns and replacements escape characters are kept (the pattern
//!   language gives them meaning), while inside `-`, `+`, `?` words they are removed even with
//!   [`Lexer::raw_escapes`].
//! * With [`Lexer::raw_escapes`], an escape character inside double quotes that escapes nothing
//!   is written twice (`"\a"` gives `\\a`).
//! * When splitting into words, text of the current word that comes before a `${v<op>…}`
//!   expansion (one with an operator) is dropped: BuildKit
//!   shares one word buffer between nesting levels and the nested level clears it
//!   (`abc${x:-d}` splits to `["d"]`, while the joined result is `abcd`).
//! * With [`Lexer::skip_unset_env`], an unset variable is written back as `$name`, `${name}` or
//!   `${name<op><expanded word>}`, before the operator is checked, and `${v//p/r}` is written
//!   back with a single `/`.
//! * `${v` (input ends after the name) is an "unsupported modifier (\u{FFFD})" error, and a
//!   byte-order mark at the very start of the input is ignored.
//!
//! Names are case-sensitive (BuildKit on Unix). Windows behaviour is not provided.

mod chars;
mod env;
mod error;
mod lexer;
mod pattern;
mod unicode_tables;

use std::collections::BTreeSet;

pub use env::{Env, EnvMap};
pub use error::{go_quote, ShellError};

/// Expansion settings. Construct with [`Lexer::new`] and set the public options as needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lexer {
    /// The escape character: `\` by default, `` ` `` after `# escape=`` ` ``.
    pub escape: char,
    /// Keep `'` and `"` in the output (their meaning still applies).
    pub raw_quotes: bool,
    /// Keep escape characters in the output (their meaning still applies).
    pub raw_escapes: bool,
    /// Treat `'` and `"` as ordinary characters.
    pub skip_process_quotes: bool,
    /// Leave references to unset variables as written instead of expanding them to nothing.
    pub skip_unset_env: bool,
}

impl Default for Lexer {
    fn default() -> Lexer {
        Lexer::new('\\')
    }
}

/// The result of [`Lexer::process_word_with_matches`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded word, as [`Lexer::process_word`] returns it.
    pub result: String,
    /// The same input split into words, as [`Lexer::process_words`] returns it.
    pub words: Vec<String>,
    /// Names looked up and found set (possibly to `""`).
    pub matched: BTreeSet<String>,
    /// Names looked up and found unset. A name can be in both sets only if the environment
    /// changed between look-ups, which [`Env`] does not allow.
    pub unmatched: BTreeSet<String>,
}

impl Lexer {
    /// A lexer with the given escape character and every option off.
    pub fn new(escape: char) -> Lexer {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
        }
    }

    /// Expands `word` as one word: quotes and escapes are removed, variables substituted,
    /// whitespace kept.
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<String, ShellError> {
        lexer::expand(self, word, env, false, false).map(|out| out.result)
    }

    /// Expands `word` and splits it into words at unquoted, unescaped whitespace (including
    /// whitespace coming from unquoted variable values). Empty words are dropped, so `''`
    /// gives no word.
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<Vec<String>, ShellError> {
        lexer::expand(self, word, env, true, false).map(|out| out.words)
    }

    /// Like [`Lexer::process_word`], and also reports which variable names were looked up and
    /// found set or unset (the input of the UndefinedVar check), plus the split words.
    pub fn process_word_with_matches(
        &self,
        word: &str,
        env: &dyn Env,
    ) -> Result<Expansion, ShellError> {
        lexer::expand(self, word, env, true, true).map(|out| Expansion {
            result: out.result,
            words: out.words,
            matched: out.matched,
            unmatched: out.unmatched,
        })
    }
}

#[cfg(test)]
mod tests;
