//! Splitting an instruction's text into keyword, `--flags` and the rest, as BuildKit does.
//!
//! BuildKit scans flags byte by byte and reads each byte as a Latin-1 character: a flag
//! value with non-ASCII text comes out re-encoded, and the bytes 0x85 and 0xA0 count as
//! white space. Images built by BuildKit carry those values, so we reproduce the scan
//! exactly instead of doing the "right" thing. Offsets returned are byte offsets into the
//! text given.

/// Go's `unicode.IsSpace`, which is Unicode White_Space.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// BuildKit's `[\t\v\f\r ]`, the separator of keyword and arguments.
pub fn is_split_space(c: char) -> bool {
    matches!(c, '\t' | '\x0B' | '\x0C' | '\r' | ' ')
}

/// `unicode.IsSpace(rune(b))` for one byte read as Latin-1.
fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0)
}

/// Offsets of `s` with Unicode white space trimmed on both ends.
pub fn trim_offsets(s: &str, start: usize, end: usize) -> (usize, usize) {
    let t = &s[start..end];
    let lead = t.len() - t.trim_start_matches(is_space).len();
    let trail = t.trim_end_matches(is_space).len();
    if lead >= trail {
        (start + lead.min(t.len()), start + lead.min(t.len()))
    } else {
        (start + lead, start + trail)
    }
}

/// A flag word found before the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagWord {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The parts of an instruction line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub keyword: (usize, usize),
    pub flags: Vec<FlagWord>,
    /// The arguments, white space trimmed; empty when there are none.
    pub rest: (usize, usize),
}

/// Splits `text[start..end]` into keyword, flags and arguments.
pub fn split_command(text: &str, start: usize, end: usize, escape: char) -> Command {
    let (s, e) = trim_offsets(text, start, end);
    let body = &text[s..e];
    let Some(kw_len) = body.find(is_split_space) else {
        return Command {
            keyword: (s, e),
            flags: Vec::new(),
            rest: (e, e),
        };
    };
    let after_kw = &body[kw_len..];
    let gap = after_kw.len() - after_kw.trim_start_matches(is_split_space).len();
    let args_start = s + kw_len + gap;
    let (flags, rest_start) = extract_flags(text, args_start, e, escape);
    let rest = trim_offsets(text, rest_start, e);
    Command {
        keyword: (s, s + kw_len),
        flags,
        rest,
    }
}

/// Reads leading `--flag` words of `text[start..end]`; returns them and where the
/// arguments begin (`end` when only flags were found).
fn extract_flags(text: &str, start: usize, end: usize, escape: char) -> (Vec<FlagWord>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote(u8),
    }
    let bytes = text.as_bytes();
    // The escape is `\` or a backtick, both ASCII.
    let esc = escape as u8;
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = start;
    let mut blank_ok = false;
    let mut pos = start;
    loop {
        if pos == end {
            if phase != Phase::Spaces && word != "--" && (blank_ok || !word.is_empty()) {
                words.push(FlagWord {
                    text: word,
                    start: word_start,
                    end,
                });
            }
            return (words, end);
        }
        let b = bytes[pos];
        match phase {
            Phase::Spaces => {
                if is_space_byte(b) {
                    pos += 1;
                    continue;
                }
                if b != b'-' || pos + 1 == end || bytes[pos + 1] != b'-' {
                    return (words, ceil_char_boundary(text, pos));
                }
                phase = Phase::Word;
                word_start = pos;
                continue;
            }
            Phase::Word => {
                if is_space_byte(b) {
                    phase = Phase::Spaces;
                    if word == "--" {
                        return (words, ceil_char_boundary(text, pos));
                    }
                    if blank_ok || !word.is_empty() {
                        words.push(FlagWord {
                            text: std::mem::take(&mut word),
                            start: word_start,
                            end: pos,
                        });
                    }
                    word.clear();
                    blank_ok = false;
                    pos += 1;
                    continue;
                }
                if b == b'\'' || b == b'"' {
                    phase = Phase::Quote(b);
                    blank_ok = true;
                    pos += 1;
                    continue;
                }
                let mut c = b;
                if c == esc {
                    if pos + 1 == end {
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                    c = bytes[pos];
                }
                word.push(c as char);
                pos += 1;
            }
            Phase::Quote(q) => {
                if b == q {
                    phase = Phase::Word;
                    pos += 1;
                    continue;
                }
                let mut c = b;
                if c == esc {
                    if pos + 1 == end {
                        phase = Phase::Word;
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                    c = bytes[pos];
                }
                word.push(c as char);
                pos += 1;
            }
        }
    }
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> (String, Vec<String>, String) {
        let c = split_command(line, 0, line.len(), '\\');
        (
            line[c.keyword.0..c.keyword.1].to_string(),
            c.flags.into_iter().map(|f| f.text).collect(),
            line[c.rest.0..c.rest.1].to_string(),
        )
    }

    #[test]
    fn keyword_flags_rest() {
        assert_eq!(
            split("COPY --from=a --chown=\"b c\" x y"),
            (
                "COPY".into(),
                vec!["--from=a".into(), "--chown=b c".into()],
                "x y".into()
            )
        );
        assert_eq!(
            split("COPY -- foo /tmp/"),
            ("COPY".into(), vec![], "foo /tmp/".into())
        );
        assert_eq!(split("RUN"), ("RUN".into(), vec![], "".into()));
        assert_eq!(
            split("  RUN   echo  "),
            ("RUN".into(), vec![], "echo".into())
        );
        assert_eq!(
            split("RUN --x"),
            ("RUN".into(), vec!["--x".into()], "".into())
        );
        assert_eq!(split("RUN -x y"), ("RUN".into(), vec![], "-x y".into()));
    }

    #[test]
    fn flags_are_read_as_latin1_like_buildkit() {
        let (_, flags, _) = split("COPY --chown=josé a b");
        assert_eq!(flags, vec!["--chown=jos\u{c3}\u{a9}".to_string()]);
    }

    #[test]
    fn spans_of_flags() {
        let line = "COPY --from=a  x";
        let c = split_command(line, 0, line.len(), '\\');
        assert_eq!((c.flags[0].start, c.flags[0].end), (5, 13));
        assert_eq!(c.rest, (15, 16));
    }
}
