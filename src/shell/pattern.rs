//! The patterns of `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v/p/r}` and `${v//p/r}`.
//!
//! BuildKit turns such a pattern into a Go regular expression and lets Go's `regexp` do the
//! matching, so the observable rules are those of that translation:
//!
//! * `*` is any run of characters and `?` any one character, but neither matches a newline
//!   (Go's `.` does not); there are no bracket expressions: `[` is literal.
//! * `\*`, `\?` and `\\` are the literal characters; `\}` and `\/` are `}` and `/` (the
//!   backslash only protected them from ending the `${…}`); a backslash before anything else,
//!   or at the end, is an error.
//! * A byte-order mark at the very start of the pattern is ignored (Go's `text/scanner` skips it).
//! * Matching is leftmost-first: among matches starting at the leftmost position, the one a
//!   backtracking matcher would find first. `*` prefers longer runs in greedy mode (`##`, `%%`,
//!   `/`) and shorter ones otherwise (`#`, `%`).
//! * `%` and `%%` match suffixes by reversing both the value and the pattern (keeping each
//!   escape before the character it escapes) and trimming a prefix of the reversed value.
//! * `//` replaces every match the way Go's `ReplaceAllString` does, including its handling of
//!   empty matches and of `$` in the replacement (`$0` / `${0}` is the match, `$$` is `$`, any
//!   other well-formed `$name` is empty).
//!
//! The matcher simulates the pattern's automaton breadth-first with threads kept in priority
//! order, so it gives the backtracking answer in time linear in the value (times the pattern
//! length) and without recursion. This module knows nothing of `${…}` syntax or variables.

use super::chars::is_name_char;

/// A pattern that cannot be compiled: `escaped` is the character after the offending
/// backslash (`None` at the end of the pattern). `pattern` is the text BuildKit names in its
/// message (reversed for suffix patterns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadPattern {
    pub(crate) pattern: String,
    pub(crate) escaped: Option<char>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inst {
    /// Consume exactly this character.
    Char(char),
    /// Consume any character except `\n`.
    Any,
    /// Continue at the first target, or else at the second (priority order).
    Split(u32, u32),
    /// Continue at the target.
    Jmp(u32),
    /// The pattern has matched.
    Match,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    prog: Vec<Inst>,
}

impl Pattern {
    /// Compiles `pattern`; `greedy` picks whether `*` prefers the longest run.
    pub(crate) fn compile(pattern: &str, greedy: bool) -> Result<Pattern, BadPattern> {
        let text = pattern.strip_prefix('\u{FEFF}').unwrap_or(pattern);
        let mut prog: Vec<Inst> = Vec::with_capacity(text.len() + 1);
        let mut chars = text.chars().peekable();
        let mut last_was_star = false;
        while let Some(tok) = chars.next() {
            let inst = match tok {
                '*' => {
                    // `**` matches exactly what `*` does (no captures here), so keep one.
                    if !last_was_star {
                        let at = prog.len() as u32;
                        let (consume, skip) = (at + 1, at + 3);
                        prog.push(if greedy {
                            Inst::Split(consume, skip)
                        } else {
                            Inst::Split(skip, consume)
                        });
                        prog.push(Inst::Any);
                        prog.push(Inst::Jmp(at));
                    }
                    last_was_star = true;
                    continue;
                }
                '?' => Inst::Any,
                '\\' => {
                    if matches!(chars.peek(), Some('}' | '/')) {
                        // Dropped: the next character is then taken literally.
                        continue;
                    }
                    match chars.next() {
                        Some(c @ ('*' | '?' | '\\')) => Inst::Char(c),
                        other => {
                            return Err(BadPattern {
                                pattern: pattern.to_owned(),
                                escaped: other,
                            })
                        }
                    }
                }
                c => Inst::Char(c),
            };
            last_was_star = false;
            prog.push(inst);
        }
        prog.push(Inst::Match);
        Ok(Pattern { prog })
    }

    /// The leftmost-first match in `text` starting at or after byte `from` (only at `from` when
    /// `anchored`), as a byte range.
    pub(crate) fn find_at(&self, text: &str, from: usize, anchored: bool) -> Option<(usize, usize)> {
        let mut clist = Threads::new(self.prog.len());
        let mut nlist = Threads::new(self.prog.len());
        let mut found = None;
        let mut pos = from;
        loop {
            if found.is_none() && (!anchored || pos == from) {
                // A new attempt starting here ranks below every attempt started earlier.
                clist.add(&self.prog, 0, pos);
            }
            if clist.is_empty() {
                break;
            }
            let ch = text[pos..].chars().next();
            for &(pc, start) in &clist.list {
                match self.prog[pc as usize] {
                    Inst::Char(c) if ch == Some(c) => nlist.add(&self.prog, pc + 1, start),
                    Inst::Any if ch.is_some_and(|c| c != '\n') => {
                        nlist.add(&self.prog, pc + 1, start)
                    }
                    Inst::Match => {
                        // Threads after this one rank lower: they can no longer win.
                        found = Some((start, pos));
                        break;
                    }
                    _ => {}
                }
            }
            let Some(c) = ch else { break };
            pos += c.len_utf8();
            std::mem::swap(&mut clist, &mut nlist);
            nlist.clear();
        }
        found
    }
}

/// The threads alive at one text position, in priority order, each at most once per program
/// counter (a later arrival at the same counter can never do better than the first).
struct Threads {
    list: Vec<(u32, usize)>,
    seen: Vec<u32>,
    generation: u32,
    stack: Vec<u32>,
}

impl Threads {
    fn new(len: usize) -> Threads {
        Threads {
            list: Vec::with_capacity(len),
            seen: vec![0; len],
            generation: 1,
            stack: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn clear(&mut self) {
        self.list.clear();
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    /// Adds the thread at `pc`, following jumps and splits in priority order.
    fn add(&mut self, prog: &[Inst], pc: u32, start: usize) {
        self.stack.push(pc);
        while let Some(pc) = self.stack.pop() {
            let slot = &mut self.seen[pc as usize];
            if *slot == self.generation {
                continue;
            }
            *slot = self.generation;
            match prog[pc as usize] {
                Inst::Jmp(to) => self.stack.push(to),
                Inst::Split(first, second) => {
                    self.stack.push(second);
                    self.stack.push(first);
                }
                Inst::Char(_) | Inst::Any | Inst::Match => self.list.push((pc, start)),
            }
        }
    }
}

/// `${v#p}` / `${v##p}`: `value` without its matching prefix.
pub(crate) fn trim_prefix<'v>(
    pattern: &str,
    value: &'v str,
    greedy: bool,
) -> Result<&'v str, BadPattern> {
    let re = Pattern::compile(pattern, greedy)?;
    Ok(match re.find_at(value, 0, true) {
        Some((_, end)) => &value[end..],
        None => value,
    })
}

/// `${v%p}` / `${v%%p}`: `value` without its matching suffix.
pub(crate) fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, BadPattern> {
    let pattern = reverse_pattern(pattern);
    let reversed: String = value.chars().rev().collect();
    let kept = trim_prefix(&pattern, &reversed, greedy)?;
    Ok(kept.chars().rev().collect())
}

/// Reverses a pattern character by character, except that a backslash stays in front of the
/// character after it; a backslash that ends the pattern is an ordinary character.
pub(crate) fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; chars.len()];
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let at = n - 1 - i;
        if chars[i] == '\\' && i + 1 < n {
            out[at - 1] = '\\';
            out[at] = chars[i + 1];
            i += 2;
        } else {
            out[at] = chars[i];
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// `${v/p/r}` (first match, `replacement` taken literally) or `${v//p/r}` (every match, with
/// Go's template expansion of `replacement`), appended to `out`.
pub(crate) fn replace(
    pattern: &str,
    value: &str,
    replacement: &str,
    all: bool,
    out: &mut String,
) -> Result<(), BadPattern> {
    let re = Pattern::compile(pattern, true)?;
    if !all {
        match re.find_at(value, 0, false) {
            Some((start, end)) => {
                out.push_str(&value[..start]);
                out.push_str(replacement);
                out.push_str(&value[end..]);
            }
            None => out.push_str(value),
        }
        return Ok(());
    }
    let mut last_end = 0;
    let mut search = 0;
    while search <= value.len() {
        let Some((start, end)) = re.find_at(value, search, false) else {
            break;
        };
        out.push_str(&value[last_end..start]);
        // No replacement for an empty match right after the previous match.
        if end > last_end || start == 0 {
            expand_template(out, replacement, &value[start..end]);
        }
        last_end = end;
        let width = value[search..].chars().next().map_or(0, char::len_utf8);
        search = if search + width > end {
            search + width
        } else if search + 1 > end {
            search + 1
        } else {
            end
        };
    }
    out.push_str(&value[last_end..]);
    Ok(())
}

/// Go's `Regexp.Expand` for a pattern without groups: `$$` is `$`, `$0` / `${0}` the match,
/// another well-formed `$name` / `${name}` nothing, and a malformed `$` stays as it is.
fn expand_template(out: &mut String, template: &str, matched: &str) {
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let (braced, body) = match rest.strip_prefix('{') {
            Some(body) => (true, body),
            None => (false, rest),
        };
        let len = body
            .char_indices()
            .find(|&(_, c)| !is_name_char(c))
            .map_or(body.len(), |(i, _)| i);
        let after = &body[len..];
        let after = if braced {
            after.strip_prefix('}')
        } else {
            Some(after)
        };
        match after {
            Some(after) if len > 0 => {
                if &body[..len] == "0" {
                    out.push_str(matched);
                }
                rest = after;
            }
            _ => out.push('$'),
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(p: &str, greedy: bool, text: &str, anchored: bool) -> Option<(usize, usize)> {
        Pattern::compile(p, greedy)
            .unwrap()
            .find_at(text, 0, anchored)
    }

    #[test]
    fn stars_and_questions() {
        assert_eq!(find("*", true, "abc", true), Some((0, 3)));
        assert_eq!(find("*", false, "abc", true), Some((0, 0)));
        assert_eq!(find("*b", false, "abcb", true), Some((0, 2)));
        assert_eq!(find("*b", true, "abcb", true), Some((0, 4)));
        assert_eq!(find("?", true, "é", true), Some((0, 2)));
        assert_eq!(find("b?", true, "abc", false), Some((1, 3)));
        assert_eq!(find("x", true, "abc", false), None);
        assert_eq!(find("", true, "abc", false), Some((0, 0)));
        // `.` stops at newlines
        assert_eq!(find("*b", true, "a\nb", true), None);
        assert_eq!(find("?", true, "\n", true), None);
        assert_eq!(find("*", true, "ab\ncd", false), Some((0, 2)));
        // leftmost first, not longest: lazy first star, then the rest
        assert_eq!(find("*x*y", false, "xxyy", true), Some((0, 3)));
        assert_eq!(find("a*", true, "bab", false), Some((1, 3)));
    }

    #[test]
    fn escapes() {
        assert_eq!(find("\\*", true, "*", true), Some((0, 1)));
        assert_eq!(find("\\*", true, "a", true), None);
        assert_eq!(find("\\}\\/", true, "}/", true), Some((0, 2)));
        assert_eq!(find("[a]", true, "[a]", true), Some((0, 3)));
        for bad in ["\\", "\\x", "\\\\\\"] {
            assert!(Pattern::compile(bad, true).is_err(), "{bad}");
        }
        let err = Pattern::compile("a\\q", true).unwrap_err();
        assert_eq!(err.escaped, Some('q'));
        assert_eq!(err.pattern, "a\\q");
        assert_eq!(Pattern::compile("\\", true).unwrap_err().escaped, None);
        // a leading byte-order mark is not part of the pattern
        assert_eq!(find("\u{feff}a", true, "a", true), Some((0, 1)));
    }

    #[test]
    fn reversal() {
        assert_eq!(reverse_pattern("a\\*c"), "c\\*a");
        assert_eq!(reverse_pattern("\\\\\\ab"), "b\\a\\\\");
        assert_eq!(reverse_pattern("ab\\"), "\\ba");
        assert_eq!(reverse_pattern("👽\\🚀🖖"), "🖖\\🚀👽");
        assert_eq!(reverse_pattern(""), "");
        assert_eq!(trim_suffix("\\**\\*", "a***yy*", true).unwrap(), "a");
        assert_eq!(trim_suffix("\\**", "xx**", true).unwrap(), "xx");
        assert_eq!(trim_suffix("x", "xxyy", false).unwrap(), "xxyy");
    }

    #[test]
    fn replace_all_like_go() {
        let r = |p: &str, v: &str, with: &str, all: bool| {
            let mut out = String::new();
            replace(p, v, with, all, &mut out).unwrap();
            out
        };
        assert_eq!(r("a", "banana", "<$0>", true), "b<a>n<a>n<a>");
        assert_eq!(r("a", "banana", "<$0>", false), "b<$0>nana");
        assert_eq!(r("", "ab", "-", true), "-a-b-");
        assert_eq!(r("*", "ab", "-", true), "-");
        assert_eq!(r("a", "aa", "$$ ${0} $1 $x ${ $", true), "$ a   ${ $$ a   ${ $");
        assert_eq!(r("\\*/", "/foo*/*/*.txt", ".", true), "/foo..*.txt");
    }

    #[test]
    fn long_values_are_linear() {
        let value = "a".repeat(200_000);
        let start = std::time::Instant::now();
        assert_eq!(find("*a*a*a*a*b", true, &value, false), None);
        assert_eq!(find("*a*a*a*a*b", false, &value, false), None);
        assert!(start.elapsed().as_secs() < 20);
    }
}
