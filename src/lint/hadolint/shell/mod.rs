//! A small POSIX/bash shell reader for the rules that look inside `RUN` scripts.
//!
//! It reads a script the way a shell tokenizes it (quotes, escapes, `$(…)`, backticks,
//! `${…}`, `$((…))`, comments, redirections, here-documents, control operators, reserved
//! words) and returns the simple commands it contains, nested ones (inside `$(…)`,
//! backticks, subshells, `if`/`for`/`while`/`case` bodies) included, plus whether any
//! pipe `|` occurs. Each word is given in hadolint's "simplified" form: quotes removed,
//! every expansion written `${…}`. This is what hadolint extracts from ShellCheck's AST
//! (`Hadolint.Shell`); a full AST is not needed by any rule.
//!
//! Why our own reader and not a crate: `brush-parser` (bash, maintained, ~50 s cold build
//! on 2 cores) returns words as raw text that still need quote removal and expansion
//! parsing; `conch-parser` is unmaintained since 2019; `yash-syntax` is built around
//! async I/O; `tree-sitter-bash` needs a C toolchain and yields an untyped CST. The rules
//! need only commands and words, which a tokenizer reads exactly.
//!
//! Every command and word keeps its byte range in the text, so findings can point at it.
//!
//! What it does not do: expand anything, or report syntax errors (an unterminated quote
//! ends at the end of the script, as far as the rules are concerned).

use std::ops::Range;

use word::{all_flags, effective_name, is_assignment};

/// One word of a command, simplified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    /// Position of the word in its command (hadolint's token id order).
    pub id: usize,
    /// Where the word is written, in bytes of the script text.
    pub range: Range<usize>,
}

/// A simple command: its name and its arguments (the words after the name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    pub args: Vec<Part>,
    /// `-abc` gives `a`, `b`, `c`; `--name=value` gives `name` (hadolint's `getAllFlags`).
    pub flags: Vec<Part>,
    /// From the command name to the end of its last word, in bytes of the script text.
    pub range: Range<usize>,
}

/// What the rules read from one script.
#[derive(Clone, Debug, Default)]
pub struct Script {
    pub original: String,
    pub commands: Vec<Command>,
    /// A `|` or `|&` pipe occurs somewhere.
    pub has_pipes: bool,
    /// For each byte of `original`, its offset in the Dockerfile when known (filled in by
    /// the rules engine, which knows where the script came from; empty otherwise).
    pub offsets: Vec<Option<u32>>,
}

/// Reads `text` as a shell script.
pub fn parse(text: &str) -> Script {
    let chars: Vec<char> = text.chars().collect();
    let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    bytes.push(text.len());
    let mut reader = Reader {
        chars: &chars,
        bytes: &bytes,
        pos: 0,
        commands: Vec::new(),
        has_pipes: false,
        syntax_error: false,
        heredocs: Vec::new(),
    };
    reader.list(None);
    if reader.syntax_error {
        reader.commands.clear();
        reader.has_pipes = false;
    }
    Script {
        original: text.to_string(),
        commands: reader.commands,
        has_pipes: reader.has_pipes,
        offsets: Vec::new(),
    }
}

/// A word as read: its simplified text, whether it is a plain literal (no expansion),
/// and its raw start (for recognising assignments and reserved words).
struct Word {
    text: String,
    literal: bool,
    raw: String,
    /// Byte range in the script text.
    range: Range<usize>,
}

enum Token {
    Word(Word),
    /// `;`, `&`, `&&`, `||`, newline, `;;` and the like: ends a command.
    Separator,
    Pipe,
    Open,
    Close,
    End,
}

struct Reader<'a> {
    chars: &'a [char],
    /// Byte offset of each char, and the text length last.
    bytes: &'a [usize],
    pos: usize,
    commands: Vec<Command>,
    has_pipes: bool,
    /// Something no shell parses (the whole script then yields no command).
    syntax_error: bool,
    /// Here-document delimiters waiting for the next newline: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
}

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{", "}", "!", "time",
    "esac", "function",
];

impl Reader<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    /// Reads commands until `close` (a `)` or a backtick) or the end.
    fn list(&mut self, close: Option<char>) {
        let mut words: Vec<Word> = Vec::new();
        // After `for`/`select`/`case`: words up to the next separator are not a command.
        let mut skipping_header = false;
        let mut in_case = 0usize;
        let mut case_pattern = false;
        // Where the command being read goes: before the commands nested in its words, as
        // ShellCheck's pre-order walk lists them (hadolint compares command positions).
        let mut mark = self.commands.len();
        // Inside `[[ … ]]`: a test expression, not commands (`&&`, `(` and `<` are its own).
        let mut in_test = false;
        loop {
            if words.is_empty() {
                mark = self.commands.len();
            }
            let token = self.token(close);
            if in_test {
                match token {
                    Token::Word(w) if w.literal && w.raw == "]]" => in_test = false,
                    Token::End => return,
                    _ => {}
                }
                continue;
            }
            match token {
                Token::Word(w) => {
                    if words.is_empty()
                        && !skipping_header
                        && !case_pattern
                        && w.literal
                        && w.raw == "[["
                    {
                        in_test = true;
                        continue;
                    }
                    if words.is_empty() && !skipping_header {
                        if case_pattern {
                            if w.literal && w.raw == "esac" {
                                in_case = in_case.saturating_sub(1);
                                case_pattern = false;
                            }
                            continue;
                        }
                        if w.literal && RESERVED.contains(&w.raw.as_str()) {
                            if w.raw == "esac" {
                                in_case = in_case.saturating_sub(1);
                            }
                            continue;
                        }
                        if w.literal && matches!(w.raw.as_str(), "for" | "select" | "case") {
                            if w.raw == "case" {
                                in_case += 1;
                            }
                            skipping_header = true;
                            continue;
                        }
                    }
                    if skipping_header {
                        if in_case > 0 && w.literal && w.raw == "in" {
                            skipping_header = false;
                            case_pattern = true;
                        }
                        continue;
                    }
                    words.push(w);
                }
                Token::Separator | Token::Pipe => {
                    // In `case x in a|b)`, `|` separates patterns.
                    if matches!(token, Token::Pipe) && !case_pattern {
                        self.has_pipes = true;
                    }
                    if !case_pattern {
                        self.finish(&mut words, mark);
                    }
                    skipping_header = false;
                }
                Token::Open => {
                    let array = words
                        .last()
                        .is_some_and(|w| w.raw.ends_with('=') && is_assignment(&w.raw));
                    if array {
                        // `a=(x y)`, `declare -a a=(x y)`: the value of an array.
                        self.pos -= 1;
                        self.skip_balanced('(', ')');
                        continue;
                    }
                    // `name()` starts a function definition; otherwise a subshell.
                    self.skip_blanks();
                    if words.len() == 1 && self.peek(0) == Some(')') {
                        self.pos += 1;
                        words.clear();
                    } else if !words.is_empty() {
                        // `cmd (…)`: ShellCheck cannot parse the script, hadolint then
                        // sees no command at all.
                        self.syntax_error = true;
                    }
                    self.finish(&mut words, mark);
                }
                Token::Close => {
                    if case_pattern {
                        case_pattern = false;
                        words.clear();
                        continue;
                    }
                    self.finish(&mut words, mark);
                }
                Token::End => {
                    self.finish(&mut words, mark);
                    return;
                }
            }
            if in_case > 0 && !case_pattern && self.after_double_semicolon() {
                case_pattern = true;
            }
        }
    }

    /// Whether the last separator read was `;;` (back to reading a `case` pattern).
    fn after_double_semicolon(&self) -> bool {
        self.pos >= 2 && self.chars[self.pos - 1] == ';' && self.chars[self.pos - 2] == ';'
    }

    fn finish(&mut self, words: &mut Vec<Word>, at: usize) {
        let all = std::mem::take(words);
        let Some(first) = all.iter().position(|w| !is_assignment(&w.raw)) else {
            return;
        };
        let mut rest = all.into_iter().skip(first);
        let head = rest.next().expect("position found");
        let args: Vec<Part> = rest
            .enumerate()
            .map(|(id, w)| Part {
                text: w.text,
                id,
                range: w.range,
            })
            .collect();
        let end = args.last().map_or(head.range.end, |a| a.range.end);
        let range = head.range.start..end;
        // `[ … ]` is a test expression to ShellCheck, not a command.
        if !head.literal || head.raw == "[" {
            return;
        }
        let name = effective_name(&head.text, &args);
        let flags = all_flags(&args);
        self.commands.insert(
            at,
            Command {
                name,
                args,
                flags,
                range,
            },
        );
    }

    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == ' ' || c == '\t' || c == '\r' {
                self.pos += 1;
            } else if c == '\\' && self.peek(1) == Some('\n') {
                self.pos += 2;
            } else {
                break;
            }
        }
    }

    fn token(&mut self, close: Option<char>) -> Token {
        self.skip_blanks();
        let Some(c) = self.peek(0) else {
            return Token::End;
        };
        if Some(c) == close {
            self.pos += 1;
            return Token::End;
        }
        match c {
            '#' => {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
                self.token(close)
            }
            '\n' => {
                self.pos += 1;
                self.read_heredoc_bodies();
                Token::Separator
            }
            ';' | '&' => {
                self.pos += 1;
                if matches!(self.peek(0), Some(';' | '&')) {
                    self.pos += 1;
                }
                Token::Separator
            }
            '|' => {
                self.pos += 1;
                match self.peek(0) {
                    Some('|') => {
                        self.pos += 1;
                        Token::Separator
                    }
                    Some('&') => {
                        self.pos += 1;
                        Token::Pipe
                    }
                    _ => Token::Pipe,
                }
            }
            '(' => {
                self.pos += 1;
                if self.peek(0) == Some('(') {
                    // `(( arithmetic ))`: not a command.
                    self.skip_balanced('(', ')');
                    return Token::Separator;
                }
                Token::Open
            }
            ')' => {
                self.pos += 1;
                Token::Close
            }
            '<' | '>' if self.peek(1) == Some('(') => {
                // `<(…)` / `>(…)`: a process substitution, one word holding commands.
                let start = self.pos;
                self.pos += 2;
                self.list(Some(')'));
                let end = self.pos.min(self.chars.len());
                Token::Word(Word {
                    text: String::new(),
                    literal: false,
                    raw: self.chars[start..end].iter().collect(),
                    range: self.bytes[start]..self.bytes[end],
                })
            }
            '<' | '>' => {
                self.redirection();
                self.token(close)
            }
            _ => {
                if c.is_ascii_digit() {
                    let mut end = self.pos;
                    while self.chars.get(end).is_some_and(|c| c.is_ascii_digit()) {
                        end += 1;
                    }
                    if matches!(self.chars.get(end), Some('<' | '>')) {
                        self.pos = end;
                        self.redirection();
                        return self.token(close);
                    }
                }
                Token::Word(self.word(close))
            }
        }
    }

    /// Reads a redirection operator and its target word (dropped).
    fn redirection(&mut self) {
        let first = self.chars[self.pos];
        self.pos += 1;
        if first == '<' && self.peek(0) == Some('<') {
            self.pos += 1;
            if self.peek(0) == Some('<') {
                self.pos += 1;
                self.skip_blanks();
                self.word(None);
                return;
            }
            let strip = self.peek(0) == Some('-');
            if strip {
                self.pos += 1;
            }
            self.skip_blanks();
            let delimiter = self.word(None);
            self.heredocs.push((delimiter.text, strip));
            return;
        }
        if matches!(self.peek(0), Some('>' | '&' | '|')) {
            self.pos += 1;
        }
        if first == '<' && self.peek(0) == Some('>') {
            self.pos += 1;
        }
        self.skip_blanks();
        if self
            .peek(0)
            .is_some_and(|c| !matches!(c, '\n' | ';' | '&' | '|' | '(' | ')'))
        {
            self.word(None);
        }
    }

    /// Skips the bodies of the here-documents opened on the line just ended.
    fn read_heredoc_bodies(&mut self) {
        for (delimiter, strip) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.chars.len() {
                let start = self.pos;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
                let line: String = self.chars[start..self.pos].iter().collect();
                if self.peek(0) == Some('\n') {
                    self.pos += 1;
                }
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    &line
                };
                if line == delimiter {
                    break;
                }
            }
        }
    }
}
mod word;

#[cfg(test)]
mod tests;
