//! Whether a COPY/ADD argument is a here-document word (`<<EOF`, `<<-"EOF"`, `3<<EOF`).
//!
//! Mirrors BuildKit's `parser.MustParseHeredoc`, which COPY and ADD apply to each argument
//! (also in JSON form): the word must be `[digits]<<[-][spaces]rest` with a non-empty
//! `rest` free of `<`, and `rest` must lex as exactly one shell word (quotes removed,
//! backslash escapes applied, `$` references kept as written since no variables are set).
//! A lexing error means "not a here-document". `expand` is false when any quoting was
//! used in `rest`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeredocWord {
    pub name: String,
    pub chomp: bool,
    pub expand: bool,
}

pub fn parse(src: &str) -> Option<HeredocWord> {
    let digits = src.bytes().take_while(u8::is_ascii_digit).count();
    let after = src[digits..].strip_prefix("<<")?;
    let (chomp, after) = match after.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, after),
    };
    let rest = after.trim_start_matches(['\t', '\n', '\u{c}', '\r', ' ']);
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let (words, quoted) = lex_words(rest)?;
    match <[String; 1]>::try_from(words) {
        Ok([name]) => Some(HeredocWord {
            name,
            chomp,
            expand: !quoted,
        }),
        Err(_) => None,
    }
}

/// Splits `s` into shell words; returns whether quotes were used, `None` on a lexing error.
fn lex_words(s: &str) -> Option<(Vec<String>, bool)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = true;
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => word.push(ch),
                    }
                }
            }
            '"' => {
                quoted = true;
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.peek() {
                            None => {}
                            Some(&next) if matches!(next, '"' | '$' | '\\') => {
                                word.push(next);
                                chars.next();
                            }
                            Some(_) => word.push('\\'),
                        },
                        '$' => word.push_str(&dollar(&mut chars)?),
                        ch => word.push(ch),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(ch) => {
                    word.push(ch);
                    in_word = true;
                }
                None => break,
            },
            '$' => {
                for ch in dollar(&mut chars)?.chars() {
                    push_char(&mut words, &mut word, &mut in_word, ch);
                }
            }
            ch => push_char(&mut words, &mut word, &mut in_word, ch),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    Some((words, quoted))
}

fn push_char(words: &mut Vec<String>, word: &mut String, in_word: &mut bool, ch: char) {
    if ch.is_whitespace() {
        if *in_word && !word.is_empty() {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    } else {
        word.push(ch);
        *in_word = true;
    }
}

/// A `$` reference left as written (nothing is set); `${` must be closed.
fn dollar(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut out = String::from("$");
    if chars.peek() == Some(&'{') {
        for ch in chars.by_ref() {
            out.push(ch);
            if ch == '}' {
                return Some(out);
            }
        }
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(name: &str, chomp: bool, expand: bool) -> Option<HeredocWord> {
        Some(HeredocWord {
            name: name.into(),
            chomp,
            expand,
        })
    }

    #[test]
    fn recognises_heredoc_words() {
        assert_eq!(parse("<<EOF"), word("EOF", false, true));
        assert_eq!(parse("<<-EOF"), word("EOF", true, true));
        assert_eq!(parse("3<<EOF"), word("EOF", false, true));
        assert_eq!(parse("<<\"EOF\""), word("EOF", false, false));
        assert_eq!(parse("<<'E O'"), word("E O", false, false));
        assert_eq!(parse("<<E\\OF"), word("EOF", false, true));
        assert_eq!(parse("<<$X"), word("$X", false, true));
    }

    #[test]
    fn rejects_other_words() {
        assert_eq!(parse("file.txt"), None);
        assert_eq!(parse("<<"), None);
        assert_eq!(parse("<<-"), None);
        assert_eq!(parse("a<<EOF"), None);
        assert_eq!(parse("<<A<B"), None);
        assert_eq!(parse("<<\"EOF"), None);
        assert_eq!(parse("<<EOF x"), None);
        assert_eq!(parse("<<\"\""), None);
        assert_eq!(parse("<<${X"), None);
    }
}
