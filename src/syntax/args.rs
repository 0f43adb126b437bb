//! Splitting the text after an instruction's keyword and flags into argument strings,
//! one rule per instruction as BuildKit's parser does (`parser/line_parsers.go`).
//!
//! Offsets are byte offsets into the logical line; the caller maps them to spans. The
//! rules keep BuildKit's quirks: ENV/LABEL/ARG words keep their quotes, COPY/ADD/VOLUME
//! do not interpret quotes at all, an invalid JSON array silently becomes shell form.

use super::split::{is_space, is_split_space};

/// An argument: its value and the byte range it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawArg {
    pub value: String,
    pub start: usize,
    pub end: usize,
}

impl RawArg {
    fn verbatim(text: &str, start: usize, end: usize) -> RawArg {
        RawArg {
            value: text[start..end].to_string(),
            start,
            end,
        }
    }
}

/// Why an argument list could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsError {
    /// `ENV name` with no value (`keyword` is `ENV` or `LABEL`).
    MissingValue { start: usize, end: usize },
    /// A word without `=` after the first one had it.
    MissingEquals {
        word: String,
        start: usize,
        end: usize,
    },
}

/// The outcome of the JSON attempt on `[ ... ]` text.
pub enum Json {
    /// Not a JSON array (or not valid JSON): the caller falls back to its other form.
    No,
    /// An array of strings.
    Strings(Vec<RawArg>),
    /// Valid JSON, but an element is not a string: an error in BuildKit.
    NotStrings,
}

/// BuildKit's `parseJSON`: a JSON array of strings, elements decoded.
pub fn parse_json(text: &str, start: usize, end: usize) -> Json {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start_matches(is_space).len();
    let body = &s[lead..];
    if !body.starts_with('[') {
        return Json::No;
    }
    let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(body) else {
        return Json::No;
    };
    if values.iter().any(|v| !v.is_string()) {
        return Json::NotStrings;
    }
    let spans = string_token_spans(body);
    let base = start + lead;
    let args = values
        .into_iter()
        .zip(spans.into_iter().chain(std::iter::repeat((0, 0))))
        .map(|(v, (s, e))| RawArg {
            value: match v {
                serde_json::Value::String(s) => s,
                _ => unreachable!("checked above that every element is a string"),
            },
            start: base + s,
            end: base + e,
        })
        .collect();
    Json::Strings(args)
}

/// Byte ranges of the top-level string tokens of a valid JSON array of strings.
fn string_token_spans(json: &str) -> Vec<(usize, usize)> {
    let b = json.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

/// Split on runs of `[\t\v\f\r ]` (the text is already trimmed).
pub fn whitespace_delimited(text: &str, start: usize, end: usize) -> Vec<RawArg> {
    if start == end {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut word_start = start;
    let mut in_gap = false;
    for (i, c) in text[start..end].char_indices() {
        let at = start + i;
        if is_split_space(c) {
            if !in_gap {
                out.push(RawArg::verbatim(text, word_start, at));
                in_gap = true;
            }
        } else if in_gap {
            word_start = at;
            in_gap = false;
        }
    }
    // BuildKit's split keeps an empty last field when the text ends in a separator.
    let last_start = if in_gap { end } else { word_start };
    out.push(RawArg::verbatim(text, last_start, end));
    out
}

/// BuildKit's `parseWords`: words separated by white space outside quotes; quotes and
/// escapes are kept in the words.
pub fn words(text: &str, start: usize, end: usize, escape: char) -> Vec<RawArg> {
    #[derive(PartialEq, Clone, Copy)]
    enum Phase {
        Spaces,
        Word,
        Quote(char),
    }
    let s = &text[start..end];
    let mut out = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = 0;
    let mut blank_ok = false;
    let mut it = s.char_indices().peekable();
    while let Some((pos, ch)) = it.next() {
        match phase {
            Phase::Spaces => {
                if is_space(ch) {
                    continue;
                }
                phase = Phase::Word;
                word_start = pos;
                word_char(&mut phase, &mut word, &mut blank_ok, ch, escape, &mut it);
            }
            Phase::Word => {
                if is_space(ch) {
                    phase = Phase::Spaces;
                    if blank_ok || !word.is_empty() {
                        out.push(RawArg {
                            value: std::mem::take(&mut word),
                            start: start + word_start,
                            end: start + pos,
                        });
                    }
                    word.clear();
                    blank_ok = false;
                    continue;
                }
                word_char(&mut phase, &mut word, &mut blank_ok, ch, escape, &mut it);
            }
            Phase::Quote(q) => {
                if ch == q {
                    phase = Phase::Word;
                }
                if ch == escape && q != '\'' {
                    match it.next() {
                        None => {
                            phase = Phase::Word;
                            continue;
                        }
                        Some((_, next)) => {
                            word.push(ch);
                            word.push(next);
                            continue;
                        }
                    }
                }
                word.push(ch);
            }
        }
    }
    if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
        out.push(RawArg {
            value: word,
            start: start + word_start,
            end,
        });
    }

    fn word_char(
        phase: &mut Phase,
        word: &mut String,
        blank_ok: &mut bool,
        ch: char,
        escape: char,
        it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    ) {
        if ch == '\'' || ch == '"' {
            *phase = Phase::Quote(ch);
            *blank_ok = true;
        }
        if ch == escape {
            match it.next() {
                None => return,
                Some((_, next)) => {
                    word.push(ch);
                    word.push(next);
                    return;
                }
            }
        }
        word.push(ch);
    }
    out
}

/// ENV and LABEL: `key value sep` triples.
pub fn name_val(
    text: &str,
    start: usize,
    end: usize,
    escape: char,
) -> Result<Vec<RawArg>, ArgsError> {
    let ws = words(text, start, end, escape);
    let Some(first) = ws.first() else {
        return Ok(Vec::new());
    };
    if !first.value.contains('=') {
        // Legacy form: the first word is the key, the rest of the line the value.
        let s = &text[start..end];
        let Some(k) = s.find(is_split_space) else {
            return Err(ArgsError::MissingValue { start, end });
        };
        let gap = s[k..].len() - s[k..].trim_start_matches(is_split_space).len();
        return Ok(vec![
            RawArg::verbatim(text, start, start + k),
            RawArg::verbatim(text, start + k + gap, end),
            RawArg {
                value: String::new(),
                start: end,
                end,
            },
        ]);
    }
    let mut out = Vec::with_capacity(ws.len() * 3);
    for w in ws {
        let Some(eq) = w.value.find('=') else {
            return Err(ArgsError::MissingEquals {
                word: w.value,
                start: w.start,
                end: w.end,
            });
        };
        // The word is the source text verbatim, so `=` sits at the same offset there.
        out.push(RawArg {
            value: w.value[..eq].to_string(),
            start: w.start,
            end: w.start + eq,
        });
        out.push(RawArg {
            value: w.value[eq + 1..].to_string(),
            start: w.start + eq + 1,
            end: w.end,
        });
        out.push(RawArg {
            value: "=".to_string(),
            start: w.start + eq,
            end: w.start + eq + 1,
        });
    }
    Ok(out)
}

/// HEALTHCHECK: the first word is the type (`CMD`, `NONE`, ...), the rest a command.
/// Returns the type word and where the command starts.
pub fn health_split(text: &str, start: usize, end: usize) -> Option<(RawArg, usize)> {
    let b = text.as_bytes();
    // BuildKit reads single bytes as Latin-1 here too.
    let is_sp = |x: u8| matches!(x, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0);
    let mut sep = start;
    while sep < end && !is_sp(b[sep]) {
        sep += 1;
    }
    if sep == start {
        return None;
    }
    let mut next = sep;
    while next < end && is_sp(b[next]) {
        next += 1;
    }
    let sep = floor_boundary(text, sep).max(start);
    let next = ceil_boundary(text, next).min(end).max(sep);
    Some((RawArg::verbatim(text, start, sep), next))
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[RawArg]) -> Vec<&str> {
        v.iter().map(|a| a.value.as_str()).collect()
    }

    #[test]
    fn json_arrays() {
        let t = r#"[ "a", "b\/c" ]"#;
        match parse_json(t, 0, t.len()) {
            Json::Strings(a) => {
                assert_eq!(vals(&a), ["a", "b/c"]);
                assert_eq!(&t[a[1].start..a[1].end], r#""b\/c""#);
            }
            _ => panic!("not parsed"),
        }
        assert!(matches!(parse_json("['a']", 0, 5), Json::No));
        assert!(matches!(parse_json("[1]", 0, 3), Json::NotStrings));
    }

    #[test]
    fn words_keep_quotes() {
        let t = r#"abc="123 456" def"#;
        assert_eq!(
            vals(&words(t, 0, t.len(), '\\')),
            [r#"abc="123 456""#, "def"]
        );
    }

    #[test]
    fn env_forms() {
        let t = "name value more";
        assert_eq!(
            vals(&name_val(t, 0, t.len(), '\\').unwrap()),
            ["name", "value more", ""]
        );
        let t = r#"a="b c" d=e"#;
        assert_eq!(
            vals(&name_val(t, 0, t.len(), '\\').unwrap()),
            ["a", r#""b c""#, "=", "d", "e", "="]
        );
        assert!(name_val("PATH", 0, 4, '\\').is_err());
        let t = "a=b c";
        assert!(matches!(
            name_val(t, 0, t.len(), '\\'),
            Err(ArgsError::MissingEquals { .. })
        ));
    }

    #[test]
    fn whitespace_split() {
        let t = "a  b\tc";
        assert_eq!(vals(&whitespace_delimited(t, 0, t.len())), ["a", "b", "c"]);
    }
}
