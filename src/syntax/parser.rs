//! The driver: walks the file with the pest grammar, one item at a time, and builds
//! [`Node`]s the way BuildKit's `parser.Parse` does.
//!
//! Order of work per item: directives (only at the top), blank and comment lines (comments
//! are remembered for the next instruction), then an instruction's logical line, its
//! keyword and flags ([`super::split`]), its arguments ([`super::args`]) and, for RUN, COPY
//! and ADD, its heredoc bodies ([`super::heredoc`]). Errors do not stop the walk: each
//! one is recorded and parsing goes on with the next instruction.

use pest::iterators::Pair;
use pest::Parser as _;

use super::args::{self, ArgsError, Json, RawArg};
use super::error::SyntaxError;
use super::grammar::{DockerfileGrammar, Rule};
use super::heredoc;
use super::logical::LogicalLine;
use super::node::{Arg, Directive, Node, ParseWarning, ParsedFile, RawFlag, WarningKind};
use super::span::Span;
use super::split::split_command;

/// The line-level parse of a whole file: what could be read, and every error met.
#[derive(Debug, Clone)]
pub struct Parse {
    pub file: ParsedFile,
    pub errors: Vec<SyntaxError>,
}

/// Parses Dockerfile text into line-level nodes.
pub fn parse(source: &str) -> Parse {
    Driver::new(source).run()
}

const KNOWN_DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

struct Driver<'s> {
    src: &'s str,
    pos: usize,
    escape: char,
    directives: Vec<Directive>,
    nodes: Vec<Node>,
    warnings: Vec<ParseWarning>,
    errors: Vec<SyntaxError>,
    comments: Vec<String>,
}

impl<'s> Driver<'s> {
    fn new(src: &'s str) -> Driver<'s> {
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Driver {
            src,
            pos,
            escape: '\\',
            directives: Vec::new(),
            nodes: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            comments: Vec::new(),
        }
    }

    fn run(mut self) -> Parse {
        self.directives();
        self.items();
        if self.nodes.is_empty() && self.errors.is_empty() {
            self.errors.push(SyntaxError::NoInstructions {
                span: Span::empty_at(self.src.len()),
            });
        }
        Parse {
            file: ParsedFile {
                directives: self.directives,
                escape: self.escape,
                nodes: self.nodes,
                warnings: self.warnings,
            },
            errors: self.errors,
        }
    }

    /// Applies `rule` at the current position; the pair and where it ends.
    fn try_rule(&self, rule: Rule) -> Option<Pair<'s, Rule>> {
        let rest = &self.src[self.pos..];
        let pair = DockerfileGrammar::parse(rule, rest).ok()?.next()?;
        Some(pair)
    }

    /// The directive block: comment lines of the form `# name=value` at the very top.
    fn directives(&mut self) {
        let mut seen: Vec<String> = Vec::new();
        while self.pos < self.src.len() {
            // Only a comment line can be a directive; asking the grammar about any other
            // line would build an error report just to throw it away.
            if !self.src[self.pos..].trim_start().starts_with('#') {
                return;
            }
            let Some(pair) = self.try_rule(Rule::directive_probe) else {
                return;
            };
            if pair.as_rule() != Rule::directive {
                return;
            }
            let base = self.pos;
            let mut name = String::new();
            let mut value = String::new();
            let mut value_span = Span::default();
            for p in pair.clone().into_inner() {
                match p.as_rule() {
                    Rule::directive_name => name = p.as_str().to_ascii_lowercase(),
                    Rule::directive_value => {
                        value = p.as_str().to_string();
                        value_span =
                            Span::new(base + p.as_span().start(), base + p.as_span().end());
                    }
                    _ => {}
                }
            }
            if !KNOWN_DIRECTIVES.contains(&name.as_str()) {
                return;
            }
            let end = base + pair.as_span().end();
            let line = self.line_span(base, end);
            self.pos = end;
            if seen.contains(&name) {
                self.errors
                    .push(SyntaxError::DuplicateDirective { name, span: line });
                continue;
            }
            if name == "escape" {
                match value.as_str() {
                    "\\" => self.escape = '\\',
                    "`" => self.escape = '`',
                    _ => {
                        self.errors.push(SyntaxError::InvalidEscape {
                            token: value.clone(),
                            span: value_span,
                        });
                    }
                }
            }
            seen.push(name.clone());
            self.directives.push(Directive {
                name,
                value,
                span: line,
                value_span,
            });
        }
    }

    /// The span of a line without its line terminator.
    fn line_span(&self, start: usize, end: usize) -> Span {
        let text = &self.src[start..end];
        let trimmed = text.trim_end_matches(['\r', '\n']);
        Span::new(start, start + trimmed.len())
    }

    /// The items from the current position on. The grammar reads all remaining items in
    /// one go; when an instruction turns out to carry heredocs, the text after their
    /// bodies is read afresh, since bodies are not made of items. Past a number of such
    /// restarts, items are read one at a time, which keeps the work linear.
    fn items(&mut self) {
        const WHOLE_TEXT_RESTARTS: usize = 16;
        let bt = self.escape == '`';
        let mut restarts = 0;
        'text: while self.pos < self.src.len() {
            let whole = restarts < WHOLE_TEXT_RESTARTS;
            let rule = match (whole, bt) {
                (true, false) => Rule::items_bs,
                (true, true) => Rule::items_bt,
                (false, false) => Rule::item_bs,
                (false, true) => Rule::item_bt,
            };
            let base = self.pos;
            let Ok(pairs) = DockerfileGrammar::parse(rule, &self.src[base..]) else {
                // The grammar reads any line as some item, so only a limit of the parser
                // itself ends up here. Whole-text mode retries item by item; an item that
                // still fails is reported and skipped.
                if whole {
                    restarts = WHOLE_TEXT_RESTARTS;
                    continue;
                }
                let end = self.src[base..]
                    .find('\n')
                    .map_or(self.src.len(), |i| base + i + 1);
                self.errors.push(SyntaxError::Unreadable {
                    span: self.line_span(base, end),
                });
                self.pos = end;
                continue;
            };
            for pair in pairs {
                if pair.as_rule() == Rule::EOI {
                    break;
                }
                if self.item(pair, base) {
                    restarts += 1;
                    continue 'text;
                }
            }
            if whole {
                self.pos = self.src.len();
            }
        }
    }

    /// One blank line, comment line or instruction, starting at the current position.
    /// `base` is the source offset of the text the pair was parsed from. True when heredoc
    /// bodies were read after the item, so the pairs that follow it are not items.
    fn item(&mut self, pair: Pair<'s, Rule>, base: usize) -> bool {
        let end = (base + pair.as_span().end())
            .max(self.pos + 1)
            .min(self.src.len());
        match pair.as_rule() {
            Rule::blank_line => {
                self.pos = end;
                false
            }
            Rule::comment_line => {
                // BuildKit drops the first character of the raw line, which is the `#` only
                // when the comment is not indented.
                let mut raw = pair.as_str().chars();
                raw.next();
                let text = raw.as_str().trim();
                if text.is_empty() {
                    self.comments.clear();
                } else {
                    self.comments.push(text.to_string());
                }
                self.pos = end;
                false
            }
            _ => self.instruction(pair, base),
        }
    }

    /// Builds the node of an instruction and reads its heredoc bodies; true when it had any.
    fn instruction(&mut self, pair: Pair<'s, Rule>, base: usize) -> bool {
        let pair_start = pair.as_span().start();
        let end = base + pair.as_span().end();
        // The instruction starts where its first line's text does, which is before the
        // keyword when that line holds only an escape character (BuildKit counts the
        // instruction's lines from there too). An empty piece there anchors spans of an
        // instruction with no text at all.
        let first = base + pair_start;
        let rest = &self.src[first..];
        let text_start = first
            + (rest.len()
                - rest
                    .trim_start_matches(|c: char| c != '\n' && c.is_whitespace())
                    .len());
        let mut line = LogicalLine::with_capacity(end.saturating_sub(text_start));
        line.push(self.src, Span::empty_at(text_start));
        let mut empty_lines = Vec::new();
        for p in pair.into_inner() {
            let s = Span::new(base + p.as_span().start(), base + p.as_span().end());
            match p.as_rule() {
                Rule::segment_bs
                | Rule::segment_bt
                | Rule::first_segment_bs
                | Rule::first_segment_bt => line.push(self.src, s),
                Rule::empty_continuation => {
                    empty_lines.push(self.line_span(s.start as usize, s.end as usize))
                }
                _ => {}
            }
        }
        self.pos = end.max(base + 1).min(self.src.len());
        let text_end = line.text.len();
        let comments = std::mem::take(&mut self.comments);
        let node = match self.node_from_line(&line, 0, text_end) {
            Ok(node) => node,
            Err(e) => {
                self.errors.push(e);
                return false;
            }
        };
        let mut node = Node { comments, ..node };
        let last_line_end = self.line_span(base, end).end as usize;
        let start = text_start.min(node.keyword_span.start as usize);
        node.span = Span::new(start, last_line_end.max(node.keyword_span.end as usize));
        if !empty_lines.is_empty() {
            self.warnings.push(ParseWarning {
                kind: WarningKind::EmptyContinuationLine,
                span: node.span,
                lines: empty_lines,
            });
        }
        if can_contain_heredoc(&node) && line.text.contains("<<") {
            match heredoc::markers(&line.text) {
                Ok(markers) => {
                    for marker in markers {
                        match heredoc::read_body(self.src, self.pos, marker) {
                            Ok((doc, next)) => {
                                node.span = node.span.cover(doc.span);
                                node.heredocs.push(doc);
                                self.pos = next;
                            }
                            Err(name) => {
                                self.errors.push(SyntaxError::UnterminatedHeredoc {
                                    name,
                                    span: node.span,
                                });
                                self.pos = self.src.len();
                                return true;
                            }
                        }
                    }
                }
                Err(message) => {
                    self.errors.push(SyntaxError::Heredoc {
                        message,
                        span: node.span,
                    });
                    return false;
                }
            }
        }
        let had_heredocs = !node.heredocs.is_empty();
        self.nodes.push(node);
        had_heredocs
    }

    /// BuildKit's `newNodeFromLine` on `line.text[start..end]`.
    fn node_from_line(
        &self,
        line: &LogicalLine,
        start: usize,
        end: usize,
    ) -> Result<Node, SyntaxError> {
        let text = line.text.as_str();
        let cmd = split_command(text, start, end, self.escape);
        let keyword = text[cmd.keyword.0..cmd.keyword.1].to_string();
        let flags = cmd
            .flags
            .iter()
            .map(|f| RawFlag {
                text: f.text.clone(),
                span: line.span(f.start, f.end),
            })
            .collect();
        let (rs, re) = cmd.rest;
        let mut node = Node {
            keyword_span: line.span(cmd.keyword.0, cmd.keyword.1),
            keyword,
            flags,
            args: Vec::new(),
            sub: None,
            json: false,
            heredocs: Vec::new(),
            original: text[start..end].to_string(),
            span: line.span(cmd.keyword.0, end),
            rest_span: line.span(rs, re),
            comments: Vec::new(),
        };
        let to_args = |v: Vec<RawArg>| -> Vec<Arg> {
            v.into_iter()
                .map(|a| Arg {
                    span: line.span(a.start, a.end),
                    value: a.value,
                })
                .collect()
        };
        let args_error = |e: ArgsError, keyword: &str| -> SyntaxError {
            match e {
                ArgsError::MissingValue { start, end } => SyntaxError::MissingValue {
                    keyword: keyword.to_ascii_uppercase(),
                    span: line.span(start, end),
                },
                ArgsError::MissingEquals { word, start, end } => SyntaxError::MissingEquals {
                    word,
                    span: line.span(start, end),
                },
            }
        };
        let not_strings = || SyntaxError::JsonNotStrings {
            span: line.span(rs, re),
        };
        let name = node.name();
        match name.as_str() {
            "add" | "copy" | "volume" => match args::parse_json(text, rs, re) {
                Json::Strings(a) => {
                    node.args = to_args(a);
                    node.json = true;
                }
                Json::NotStrings => return Err(not_strings()),
                Json::No => node.args = to_args(args::whitespace_delimited(text, rs, re)),
            },
            "run" | "cmd" | "entrypoint" | "shell" => {
                if rs < re {
                    match args::parse_json(text, rs, re) {
                        Json::Strings(a) => {
                            node.args = to_args(a);
                            node.json = true;
                        }
                        Json::NotStrings => return Err(not_strings()),
                        Json::No => node.args = to_args(vec![raw(text, rs, re)]),
                    }
                }
            }
            "from" | "expose" => node.args = to_args(args::whitespace_delimited(text, rs, re)),
            "env" | "label" => {
                node.args = to_args(
                    args::name_val(text, rs, re, self.escape).map_err(|e| args_error(e, &name))?,
                );
            }
            "arg" => node.args = to_args(args::words(text, rs, re, self.escape)),
            "maintainer" | "user" | "workdir" | "stopsignal" => {
                if rs < re {
                    node.args = to_args(vec![raw(text, rs, re)]);
                }
            }
            "healthcheck" => {
                if let Some((kind, cmd_start)) = args::health_split(text, rs, re) {
                    let mut list = vec![kind];
                    if cmd_start < re {
                        match args::parse_json(text, cmd_start, re) {
                            Json::Strings(a) => {
                                list.extend(a);
                                node.json = true;
                            }
                            Json::NotStrings => return Err(not_strings()),
                            Json::No => list.push(raw(text, cmd_start, re)),
                        }
                    }
                    node.args = to_args(list);
                }
            }
            "onbuild" => {
                if rs < re {
                    node.sub = Some(Box::new(self.node_from_line(line, rs, re)?));
                }
            }
            // An unknown instruction: BuildKit keeps one empty argument; the typed layer
            // reports it.
            _ => {
                node.args = vec![Arg {
                    value: String::new(),
                    span: line.span(rs, re),
                }]
            }
        }
        Ok(node)
    }
}

fn raw(text: &str, start: usize, end: usize) -> RawArg {
    RawArg {
        value: text[start..end].to_string(),
        start,
        end,
    }
}

/// RUN, COPY and ADD in shell form take heredocs, also under ONBUILD.
fn can_contain_heredoc(node: &Node) -> bool {
    let n = node.sub.as_deref().unwrap_or(node);
    matches!(n.name().as_str(), "run" | "copy" | "add") && !n.json
}

#[cfg(test)]
mod tests {
    use super::parse;

    /// Continuation lines are a loop in the grammar: a very long instruction neither
    /// exhausts the parser's stack nor makes it skip lines.
    #[test]
    fn very_long_instructions_are_one_node() {
        let mut src = String::from("FROM a\nRUN echo \\\n");
        for i in 0..50_000 {
            src.push_str(&format!("  x{i} \\\n  # comment {i}\n"));
        }
        src.push_str("  end\nUSER me\n");
        let p = parse(&src);
        assert!(p.errors.is_empty(), "{:?}", p.errors.first());
        assert_eq!(p.file.nodes.len(), 3);
        let run = &p.file.nodes[1].args[0].value;
        assert!(
            run.starts_with("echo   x0   x1 ") && run.ends_with("x49999   end"),
            "{}",
            &run[run.len() - 40..]
        );
    }
}
