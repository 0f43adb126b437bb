//! Reading one word of a script (quotes, escapes, `$…` expansions, backticks, in
//! hadolint's simplified form) and what a word means to its command: an assignment, the
//! flags it carries, the command a wrapper (`exec`, `busybox`, …) names.

use super::{Part, Reader, Word};

impl Reader<'_> {
    pub(super) fn word(&mut self, close: Option<char>) -> Word {
        let start = self.pos;
        let mut text = String::new();
        let mut literal = true;
        while let Some(c) = self.peek(0) {
            if Some(c) == close
                || matches!(
                    c,
                    ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '<' | '>' | ')'
                )
                || (c == '(' && !text.is_empty() && !text.ends_with(['@', '?', '*', '+', '!']))
                || (c == '(' && text.is_empty())
            {
                break;
            }
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.peek(0) {
                        Some('\n') => self.pos += 1,
                        Some(e) => {
                            text.push(e);
                            self.pos += 1;
                        }
                        None => {}
                    }
                }
                '\'' => {
                    self.pos += 1;
                    while let Some(q) = self.peek(0) {
                        self.pos += 1;
                        if q == '\'' {
                            break;
                        }
                        text.push(q);
                    }
                }
                '"' => {
                    self.pos += 1;
                    literal &= self.double_quoted(&mut text);
                }
                '`' => {
                    self.pos += 1;
                    self.list(Some('`'));
                    text.push_str("${VAR}");
                    literal = false;
                }
                '$' => literal &= self.dollar(&mut text),
                _ => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        Word {
            text,
            literal,
            raw: self.chars[start..self.pos].iter().collect(),
            range: self.bytes[start]..self.bytes[self.pos.min(self.chars.len())],
        }
    }

    /// Inside `"…"` (opening quote read). Returns whether the content was literal.
    pub(super) fn double_quoted(&mut self, text: &mut String) -> bool {
        let mut literal = true;
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek(0) {
                        Some('\n') => self.pos += 1,
                        Some(e @ ('$' | '`' | '"' | '\\')) => {
                            text.push(e);
                            self.pos += 1;
                        }
                        _ => text.push('\\'),
                    }
                }
                '`' => {
                    self.pos += 1;
                    self.list(Some('`'));
                    text.push_str("${VAR}");
                    literal = false;
                }
                '$' => literal &= self.dollar(text),
                _ => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        literal
    }

    /// At a `$`: reads an expansion. Returns whether it was a plain `$` (literal).
    fn dollar(&mut self, text: &mut String) -> bool {
        self.pos += 1;
        match self.peek(0) {
            Some('(') if self.peek(1) == Some('(') => {
                self.skip_balanced('(', ')');
                text.push_str("${VAR}");
            }
            Some('(') => {
                self.pos += 1;
                let before = self.commands.len();
                self.list(Some(')'));
                let inner: Vec<String> = self.commands[before..]
                    .iter()
                    .map(|c| {
                        let mut words = vec![c.name.clone()];
                        words.extend(c.args.iter().map(|a| a.text.clone()));
                        words.concat()
                    })
                    .collect();
                text.push_str("${");
                text.push_str(&inner.concat());
                text.push('}');
            }
            Some('{') => {
                let start = self.pos + 1;
                self.skip_balanced('{', '}');
                let end = self.pos.saturating_sub(1).max(start);
                text.push_str("${");
                text.extend(&self.chars[start..end]);
                text.push('}');
            }
            Some('\'') => {
                self.pos += 1;
                while let Some(q) = self.peek(0) {
                    self.pos += 1;
                    match q {
                        '\'' => break,
                        '\\' => {
                            if let Some(e) = self.peek(0) {
                                text.push('\\');
                                text.push(e);
                                self.pos += 1;
                            }
                        }
                        _ => text.push(q),
                    }
                }
                return true;
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.pos;
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.pos += 1;
                }
                text.push_str("${");
                text.extend(&self.chars[start..self.pos]);
                text.push('}');
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.pos += 1;
                text.push_str("${");
                text.push(c);
                text.push('}');
            }
            _ => {
                text.push('$');
                return true;
            }
        }
        false
    }

    /// At `open`: skips to just after its matching `close`, minding quotes.
    pub(super) fn skip_balanced(&mut self, open: char, close: char) {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\\' => self.pos += 1,
                '\'' if open == '{' => {
                    while self.peek(0).is_some_and(|q| q != '\'') {
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                '"' => {
                    let mut ignored = String::new();
                    self.double_quoted(&mut ignored);
                }
                c if c == open => depth += 1,
                c if c == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        self.pos = self.pos.min(self.chars.len());
    }
}

/// `NAME=…`, `NAME+=…` or `NAME[i]=…` as written.
pub(super) fn is_assignment(raw: &str) -> bool {
    let Some(eq) = raw.find('=') else {
        return false;
    };
    let name = raw[..eq].trim_end_matches('+');
    let name = name.split('[').next().unwrap_or("");
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// ShellCheck's `getCommandName`: `busybox`, `builtin`, `command`, `run` and `exec`
/// name the command that follows them.
pub(super) fn effective_name(head: &str, args: &[Part]) -> String {
    let next = match head {
        "busybox" | "builtin" | "command" | "run" => args.first(),
        "exec" => {
            // `exec [-cl] [-a name] command`
            let mut k = 0;
            while args.get(k).is_some_and(|a| a.text.starts_with('-')) {
                k += if args[k].text.ends_with('a') { 2 } else { 1 };
            }
            args.get(k)
        }
        _ => None,
    };
    match next {
        Some(a) if !a.text.starts_with('-') => a.text.clone(),
        _ => head.to_string(),
    }
}

pub(super) fn all_flags(args: &[Part]) -> Vec<Part> {
    let mut flags = Vec::new();
    for a in args {
        let t = a.text.as_str();
        if t == "--" || t == "-" {
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or("");
            flags.push(Part {
                text: name.to_string(),
                id: a.id,
                range: a.range.clone(),
            });
        } else if let Some(short) = t.strip_prefix('-') {
            for c in short.chars() {
                flags.push(Part {
                    text: c.to_string(),
                    id: a.id,
                    range: a.range.clone(),
                });
            }
        }
    }
    flags
}
