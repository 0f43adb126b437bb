//! Errors of word expansion, with BuildKit's wording.
//!
//! Every [`ShellError`] renders as `failed to process "<word>": <reason>`, where `<word>` is
//! the whole input quoted the way Go's `%q` verb quotes it and `<reason>` is the text BuildKit
//! gives for the same failure, so messages can be compared with BuildKit's byte for byte.
//! Each error also carries the input and the byte range of the construct at fault, for
//! `miette` reports.
//!
//! This module only describes failures; it does not detect them (that is `lexer.rs`).

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::chars::is_print;

/// Why a word could not be expanded.
///
/// The `Display` text is BuildKit's message (prefix included). `word` is the input that was
/// being expanded and `span` the byte range inside it where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum ShellError {
    /// A `'` with no closing `'`.
    #[error("failed to process {}: unexpected end of statement while looking for matching single-quote", go_quote(.word))]
    #[diagnostic(code(dfc::shell::unterminated_quote))]
    UnterminatedSingleQuote {
        #[source_code]
        word: String,
        #[label("this quote is never closed")]
        span: SourceSpan,
    },

    /// A `"` with no closing `"`.
    #[error("failed to process {}: unexpected end of statement while looking for matching double-quote", go_quote(.word))]
    #[diagnostic(code(dfc::shell::unterminated_quote))]
    UnterminatedDoubleQuote {
        #[source_code]
        word: String,
        #[label("this quote is never closed")]
        span: SourceSpan,
    },

    /// `${` whose closing `}` never comes.
    #[error("failed to process {}: syntax error: missing '}}'", go_quote(.word))]
    #[diagnostic(code(dfc::shell::missing_brace))]
    MissingBrace {
        #[source_code]
        word: String,
        #[label("no matching '}}' for this substitution")]
        span: SourceSpan,
    },

    /// `${name/pattern` with no second `/`.
    #[error("failed to process {}: syntax error: missing '/' in ${{}}", go_quote(.word))]
    #[diagnostic(code(dfc::shell::missing_slash))]
    MissingSlash {
        #[source_code]
        word: String,
        #[label("the pattern is not followed by '/'")]
        span: SourceSpan,
    },

    /// `${}`, `${:…}`, `${{…}` or `${}…}`.
    #[error("failed to process {}: syntax error: bad substitution", go_quote(.word))]
    #[diagnostic(code(dfc::shell::bad_substitution))]
    BadSubstitution {
        #[source_code]
        word: String,
        #[label("no variable name here")]
        span: SourceSpan,
    },

    /// An operator after the name that is not one of `}` `-` `+` `?` `#` `%` `/` (optionally
    /// after `:`), or `:#` / `:%`. `modifier` is what followed the name, as BuildKit shows it
    /// (U+FFFD stands for the end of the input).
    #[error("failed to process {}: unsupported modifier ({modifier}) in substitution", go_quote(.word))]
    #[diagnostic(code(dfc::shell::unsupported_modifier))]
    UnsupportedModifier {
        #[source_code]
        word: String,
        #[label("unsupported here")]
        span: SourceSpan,
        modifier: String,
    },

    /// `${name?msg}` or `${name:?msg}` with `name` unset.
    #[error("failed to process {}: {name}: {}", go_quote(.word), .message.as_deref().unwrap_or("is not allowed to be unset"))]
    #[diagnostic(code(dfc::shell::required_variable))]
    VariableUnset {
        #[source_code]
        word: String,
        #[label("'{name}' is not set")]
        span: SourceSpan,
        name: String,
        /// The user's message, `None` when it was empty.
        message: Option<String>,
    },

    /// `${name:?msg}` with `name` set to the empty string.
    #[error("failed to process {}: {name}: {}", go_quote(.word), .message.as_deref().unwrap_or("is not allowed to be empty"))]
    #[diagnostic(code(dfc::shell::required_variable))]
    VariableEmpty {
        #[source_code]
        word: String,
        #[label("'{name}' is empty")]
        span: SourceSpan,
        name: String,
        /// The user's message, `None` when it was empty.
        message: Option<String>,
    },

    /// A `#`, `%` or `/` pattern with a backslash before a character other than `*`, `?`,
    /// `\`, `}` or `/`. `pattern` is the pattern as BuildKit reports it (for `%` and `%%` it is
    /// the reversed pattern, as BuildKit matches suffixes backwards); `escaped` is the character
    /// after the backslash, `None` when the backslash ends the pattern.
    #[error("failed to process {}: invalid pattern ({pattern}) in substitution: invalid escape '\\{}'", go_quote(.word), .escaped.unwrap_or('\u{FFFD}'))]
    #[diagnostic(code(dfc::shell::invalid_pattern))]
    InvalidPattern {
        #[source_code]
        word: String,
        #[label("in this pattern")]
        span: SourceSpan,
        pattern: String,
        escaped: Option<char>,
    },
}

impl ShellError {
    /// The input whose expansion failed.
    pub fn word(&self) -> &str {
        self.parts().0
    }

    /// Byte range, within [`ShellError::word`], of the construct at fault.
    pub fn span(&self) -> SourceSpan {
        *self.parts().1
    }

    /// The message without the `failed to process "<word>": ` prefix.
    pub fn reason(&self) -> String {
        let full = self.to_string();
        let prefix_len = "failed to process ".len() + go_quote(self.word()).len() + ": ".len();
        full.get(prefix_len..).unwrap_or_default().to_owned()
    }

    fn parts(&self) -> (&str, &SourceSpan) {
        match self {
            Self::UnterminatedSingleQuote { word, span }
            | Self::UnterminatedDoubleQuote { word, span }
            | Self::MissingBrace { word, span }
            | Self::MissingSlash { word, span }
            | Self::BadSubstitution { word, span }
            | Self::UnsupportedModifier { word, span, .. }
            | Self::VariableUnset { word, span, .. }
            | Self::VariableEmpty { word, span, .. }
            | Self::InvalidPattern { word, span, .. } => (word, span),
        }
    }
}

/// Quote `s` as Go's `strconv.Quote` (the `%q` verb) does: `"`-delimited, `\"` and `\\`,
/// C escapes for `\a \b \f \n \r \t \v`, `\xHH` for other ASCII controls, `\uHHHH` /
/// `\UHHHHHHHH` for other non-printable characters, printable characters as they are.
pub fn go_quote(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ if is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            _ if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            _ if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            _ => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("abc"), r#""abc""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\n\t\r\u{7}\u{8}\u{b}\u{c}"), r#""\n\t\r\a\b\v\f""#);
        assert_eq!(go_quote("\0\u{1b}\u{7f}"), r#""\x00\x1b\x7f""#);
        assert_eq!(go_quote("한국어 ♥ é"), "\"한국어 ♥ é\"");
        assert_eq!(go_quote("\u{a0}\u{ad}\u{feff}"), r#""\u00a0\u00ad\ufeff""#);
        assert_eq!(go_quote("\u{e0001}"), r#""\U000e0001""#);
        assert_eq!(go_quote("\u{1F600}"), "\"\u{1F600}\"");
    }

    #[test]
    fn messages_and_accessors() {
        let e = ShellError::VariableUnset {
            word: "${A?}".into(),
            span: (0, 5).into(),
            name: "A".into(),
            message: None,
        };
        assert_eq!(
            e.to_string(),
            "failed to process \"${A?}\": A: is not allowed to be unset"
        );
        assert_eq!(e.reason(), "A: is not allowed to be unset");
        assert_eq!(e.word(), "${A?}");
        assert_eq!(e.span(), SourceSpan::from((0, 5)));

        let e = ShellError::InvalidPattern {
            word: "w".into(),
            span: (0, 1).into(),
            pattern: "\\".into(),
            escaped: None,
        };
        assert_eq!(
            e.reason(),
            "invalid pattern (\\) in substitution: invalid escape '\\\u{FFFD}'"
        );
        let e = ShellError::MissingSlash {
            word: "${a/b".into(),
            span: (0, 5).into(),
        };
        assert_eq!(e.reason(), "syntax error: missing '/' in ${}");
        let e = ShellError::MissingBrace {
            word: "${a".into(),
            span: (0, 3).into(),
        };
        assert_eq!(e.reason(), "syntax error: missing '}'");
    }
}
