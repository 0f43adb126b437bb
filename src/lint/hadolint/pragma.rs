//! hadolint's inline pragmas: `# hadolint ignore=DL3008,DL3009` silences the listed
//! rules for the instruction that starts on the next line; `# hadolint global
//! ignore=DL3008` silences them for the whole file.

use std::collections::{BTreeMap, BTreeSet};

use crate::syntax::{LineIndex, ParsedFile, Span};

/// The ignores of one file.
#[derive(Debug)]
pub struct Pragmas {
    /// Instruction start line (0-based) → codes ignored there.
    by_line: BTreeMap<u32, BTreeSet<String>>,
    global: BTreeSet<String>,
    index: LineIndex,
    /// The spans of the `ignore=` comment lines, without their line break.
    pub comments: Vec<Span>,
}

impl Pragmas {
    /// Reads the pragmas of the comment lines of `source`.
    pub fn read(source: &str, parsed: &ParsedFile) -> Pragmas {
        let mut pragmas = Pragmas {
            by_line: BTreeMap::new(),
            global: BTreeSet::new(),
            index: LineIndex::new(source),
            comments: Vec::new(),
        };
        let mut in_instruction = parsed.nodes.iter().map(|n| n.span).peekable();
        let mut offset = 0u32;
        for (number, line) in source.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len() as u32;
            while in_instruction.peek().is_some_and(|s| s.end <= start) {
                in_instruction.next();
            }
            if in_instruction.peek().is_some_and(|s| s.start < start) {
                continue; // inside an instruction (continuation or heredoc body)
            }
            let Some(comment) = line.trim_start().strip_prefix('#') else {
                continue;
            };
            if let Some(codes) = parse(comment, true) {
                pragmas.global.extend(codes);
            } else if let Some(codes) = parse(comment, false) {
                let text = line.trim_end_matches(['\n', '\r']);
                let indent = text.len() - text.trim_start().len();
                let start = start as usize;
                pragmas
                    .comments
                    .push(Span::new(start + indent, start + text.len()));
                pragmas
                    .by_line
                    .entry(number as u32 + 1)
                    .or_default()
                    .extend(codes);
            }
        }
        pragmas
    }

    /// Whether `code` is ignored for the instruction starting at byte `start`.
    pub fn ignores(&self, code: &str, start: u32) -> bool {
        if self.global.contains(code) {
            return true;
        }
        let line = self.index.line_of(start) as u32;
        self.by_line.get(&line).is_some_and(|c| c.contains(code))
    }
}

impl super::Out<'_, '_> {
    /// Reports `rule` on a comment line `at` (DL1001 on an ignore pragma), which a pragma
    /// on the line above can silence like an instruction.
    pub fn report_at(&mut self, rule: &'static crate::lint::rule::Rule, at: Span, label: &str) {
        if self.pragmas.ignores(rule.code, at.start) {
            return;
        }
        let help = format!(
            "`dfc lint --explain {}` shows what to write instead",
            rule.code
        );
        let finding =
            crate::lint::sink::Finding::new(at, at, rule.summary.to_string(), label).help(help);
        self.sink.report(&self.config, rule, finding);
    }
}

/// `hadolint [global ]ignore=A,B` (the text after `#`), hadolint's grammar: blanks around
/// words, `=` and commas; codes made of `DLSC0-9`; an inline `#` comment may follow.
fn parse(comment: &str, global: bool) -> Option<Vec<String>> {
    let rest = comment.trim_start().strip_prefix("hadolint")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let mut rest = rest.trim_start();
    if global {
        rest = rest.strip_prefix("global")?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        rest = rest.trim_start();
    }
    let rest = rest.strip_prefix("ignore")?.trim_start();
    let list = rest.strip_prefix('=')?;
    let list = list.split('#').next().unwrap_or("");
    let mut codes = Vec::new();
    for code in list.split(',') {
        let code = code.trim();
        if code.is_empty() || !code.chars().all(|c| "DLSC0123456789".contains(c)) {
            return None;
        }
        codes.push(code.to_string());
    }
    Some(codes)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_hadolint_pragmas() {
        assert_eq!(
            parse(" hadolint ignore=DL3008, DL3009", false),
            Some(vec!["DL3008".into(), "DL3009".into()])
        );
        assert_eq!(
            parse(" hadolint global ignore=DL3059", true),
            Some(vec!["DL3059".into()])
        );
        assert_eq!(
            parse(" hadolint ignore=DL3008 # why", false),
            Some(vec!["DL3008".into()])
        );
        assert_eq!(parse("hadolintignore=DL3008", false), None);
        assert_eq!(parse(" hadolint ignore=", false), None);
        assert_eq!(parse(" hadolint global ignore=DL1", false), None);
    }
}
