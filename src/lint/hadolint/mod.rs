//! The hadolint rules engine: reads the file's instructions as hadolint sees them (the
//! line-level [`Node`]s, so a file BuildKit would reject is still checked), parses each
//! `RUN` script once with [`shell`], and runs every rule in
//! [`crate::lint::rules::hadolint`], each over the whole file with its own state.
//!
//! `# hadolint ignore=DL3008,DL3009` on the line directly above an instruction silences
//! those rules for that instruction; `# hadolint global ignore=…` anywhere silences them
//! for the file (hadolint's pragmas). Findings are reported on the instruction's line, as
//! hadolint does; the span is the part of the instruction the rule is about.

pub mod command;
pub mod docker;
pub mod labels;
pub mod pragma;
mod script;
pub mod shell;

use crate::lint::config::CheckConfig;
use crate::lint::rule::Rule;
use crate::lint::rules::hadolint as rules;
use crate::lint::sink::{Finding, Sink};
use crate::syntax::{Node, ParsedFile, Span};

use pragma::Pragmas;
use shell::Script;

/// One instruction as the rules see it. For `ONBUILD X`, the instruction is `X` with
/// `onbuild` set and `span` the whole ONBUILD line.
pub struct Instr<'a> {
    /// The instruction itself (for ONBUILD, the wrapped one).
    pub node: &'a Node,
    /// Lower-cased keyword of `node`.
    pub keyword: String,
    pub onbuild: bool,
    /// The whole instruction as written.
    pub span: Span,
    /// The parsed script, for `RUN`.
    pub script: Option<Script>,
}

impl Instr<'_> {
    /// A top-level instruction with this keyword.
    pub fn is(&self, keyword: &str) -> bool {
        !self.onbuild && self.keyword == keyword
    }

    /// This keyword at the top level or under ONBUILD (hadolint's `rule <> onbuild rule`).
    pub fn is_any(&self, keyword: &str) -> bool {
        self.keyword == keyword
    }

    /// The argument words, joined by spaces.
    pub fn text(&self) -> String {
        let words: Vec<&str> = self.node.args.iter().map(|a| a.value.as_str()).collect();
        words.join(" ")
    }

    /// The span of the arguments (the text after keyword and flags).
    pub fn rest(&self) -> Span {
        if self.node.rest_span.is_empty() {
            self.node.keyword_span
        } else {
            self.node.rest_span
        }
    }

    /// Where the script text `range` (a command's or a word's) is written in the file;
    /// the arguments' span when that is not known (exec form).
    pub fn span_of(&self, range: &std::ops::Range<usize>) -> Span {
        let offsets = self.script.as_ref().map_or(&[][..], |s| &s.offsets[..]);
        let at = |i: usize| offsets.get(i).copied().flatten();
        match (at(range.start), range.end.checked_sub(1).and_then(at)) {
            (Some(start), Some(last)) if range.start < range.end && start <= last => {
                Span::new(start as usize, last as usize + 1)
            }
            _ => self.rest(),
        }
    }

    /// Where `command` is written (see [`Instr::span_of`]).
    pub fn command_span(&self, command: &shell::Command) -> Span {
        self.span_of(&command.range)
    }

    /// The value of `--name=value` among the flags, if written.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.node
            .flags
            .iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
            .and_then(|f| f.value())
    }
}

/// The file as the rules see it.
pub struct File<'a> {
    pub source: &'a str,
    pub instrs: Vec<Instr<'a>>,
    /// The `# hadolint ignore=…` comment lines (not the `global` ones).
    pub ignore_pragmas: Vec<Span>,
}

/// Where rules put findings; applies the ignore pragmas.
pub struct Out<'s, 'o> {
    sink: &'s mut Sink<'o>,
    pragmas: &'s Pragmas,
    config: CheckConfig,
}

impl Out<'_, '_> {
    /// The settings of the configurable rules.
    pub fn settings(&self) -> &crate::lint::config::HadolintOptions {
        &self.sink.options.hadolint
    }

    /// Reports `rule` on `instr`, about `span`, with the rule's message.
    pub fn report(&mut self, rule: &'static Rule, instr: &Instr<'_>, span: Span, label: &str) {
        self.report_message(rule, instr, span, label, rule.summary.to_string());
    }

    /// Reports `rule` on `instr` with a message of its own (hadolint's messages that
    /// name a label).
    pub fn report_message(
        &mut self,
        rule: &'static Rule,
        instr: &Instr<'_>,
        span: Span,
        label: &str,
        message: String,
    ) {
        self.report_full(rule, instr, span, label, message, None);
    }

    /// Reports `rule` on `instr` with a fix: `span` (holding `expect`) becomes `text`.
    pub fn report_fixed(
        &mut self,
        rule: &'static Rule,
        instr: &Instr<'_>,
        span: Span,
        label: &str,
        fix: Option<(Span, String, String)>,
    ) {
        self.report_full(rule, instr, span, label, rule.summary.to_string(), fix);
    }

    fn report_full(
        &mut self,
        rule: &'static Rule,
        instr: &Instr<'_>,
        span: Span,
        label: &str,
        message: String,
        fix: Option<(Span, String, String)>,
    ) {
        let pragmas_apply = !self.sink.options.hadolint.disable_ignore_pragma;
        if pragmas_apply && self.pragmas.ignores(rule.code, instr.span.start) {
            return;
        }
        let mut finding = Finding::new(span, instr.span, message, label).help(format!(
            "`dfc lint --explain {}` shows what to write instead",
            rule.code
        ));
        if let Some((at, expect, text)) = fix {
            finding = finding.replace(at, &expect, text);
        }
        self.sink.report(&self.config, rule, finding);
    }

    /// The Dockerfile text and its escape character.
    pub fn source(&self) -> (&str, char) {
        (self.sink.source, self.sink.escape)
    }
}

/// Runs every hadolint rule over `parsed`.
pub fn run(source: &str, parsed: &ParsedFile, sink: &mut Sink) {
    let pragmas = Pragmas::read(source, parsed);
    let file = File {
        source,
        instrs: instructions(source, parsed),
        ignore_pragmas: pragmas.comments.clone(),
    };
    let mut out = Out {
        sink,
        pragmas: &pragmas,
        config: CheckConfig::default(),
    };
    for (_, check) in rules::RULES {
        check(&file, &mut out);
    }
}

fn instructions<'a>(source: &str, parsed: &'a ParsedFile) -> Vec<Instr<'a>> {
    let mut out = Vec::new();
    // The stage's SHELL is PowerShell or cmd: its RUNs are not shell scripts.
    let mut non_posix = false;
    for node in &parsed.nodes {
        let (inner, onbuild) = match (&node.sub, node.name().as_str()) {
            (Some(sub), "onbuild") => (&**sub, true),
            _ => (node, false),
        };
        let keyword = inner.name();
        if !onbuild && keyword == "from" {
            non_posix = false;
        } else if !onbuild && keyword == "shell" {
            non_posix = inner.args.first().is_some_and(|a| is_non_posix(&a.value));
        }
        let script = (keyword == "run").then(|| {
            let first = inner.args.first().map_or("", |a| a.value.as_str());
            let first_word = first.split_whitespace().next().unwrap_or("");
            if non_posix || is_non_posix(first_word) {
                Script::default()
            } else {
                script::read(source, inner)
            }
        });
        out.push(Instr {
            node: inner,
            keyword,
            onbuild,
            span: node.span,
            script,
        });
    }
    out
}

/// PowerShell or cmd.exe, by program name (any case, any directory, `.exe` or not).
fn is_non_posix(program: &str) -> bool {
    let base = program
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    matches!(base, "pwsh" | "powershell" | "cmd")
}

/// A `FROM` as hadolint reads it: `[registry/]name[:tag][@digest] [AS alias]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseImage {
    /// The name without registry.
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    pub alias: Option<String>,
    pub platform: Option<String>,
}

impl BaseImage {
    /// Where FROM names its image: the reference word, else the whole argument.
    pub fn span(instr: &Instr<'_>) -> Span {
        instr
            .node
            .args
            .first()
            .map_or_else(|| instr.rest(), |a| a.span)
    }

    /// Reads the FROM instruction `instr`.
    pub fn read(instr: &Instr<'_>) -> BaseImage {
        let args = &instr.node.args;
        let reference = args.first().map_or("", |a| a.value.as_str());
        let alias = match args.get(1) {
            Some(a) if a.value.eq_ignore_ascii_case("as") => args.get(2).map(|a| a.value.clone()),
            _ => None,
        };
        // As language-docker reads a reference: an optional `domain.tld/` registry, the
        // name up to the first `:` or `@`, a tag up to the next, a digest. A `.`, `:`, `@`
        // or `/` inside `${…}` (`${V:-x}`) separates nothing.
        let masked = mask_expansions(reference);
        let registry_end = masked.find('.').filter(|&d| d > 0).and_then(|d| {
            let slash = masked[d + 1..].find('/')?;
            (slash > 0).then_some(d + 1 + slash + 1)
        });
        let start = registry_end.unwrap_or(0);
        let (rest, masked) = (&reference[start..], &masked[start..]);
        let name_end = masked.find([':', '@']).unwrap_or(rest.len());
        let name = rest[..name_end].to_string();
        let (tag, after) = match masked[name_end..].strip_prefix(':') {
            Some(t) => {
                let len = t.find([':', '@']).unwrap_or(t.len());
                let from = name_end + 1;
                (Some(rest[from..from + len].to_string()), from + len)
            }
            None => (None, name_end),
        };
        let digest = rest[after..].strip_prefix('@').map(str::to_string);
        BaseImage {
            name,
            tag,
            digest,
            alias,
            platform: instr.flag("platform").map(str::to_string),
        }
    }

    /// The name later stages use for this one: its alias, else its image name.
    pub fn stage_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// `text` with every byte inside a `${…}` expansion replaced by `_` (same offsets).
fn mask_expansions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'{') {
            depth += 1;
            out.push('$');
            continue;
        }
        if depth > 0 {
            if c == '}' {
                depth -= 1;
            }
            out.push_str(&"_".repeat(c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// A `--mount=type=cache|tmpfs` flag of a RUN whose target contains `fragment`
/// (hadolint's `hasCacheOrTmpfsMountWith`).
pub fn has_cache_mount(instr: &Instr<'_>, fragment: &str) -> bool {
    instr.node.flags.iter().any(|f| {
        f.name() == "mount"
            && f.value().is_some_and(|v| {
                let fields: Vec<(&str, &str)> = v
                    .split(',')
                    .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
                    .collect();
                let kind = fields
                    .iter()
                    .any(|(k, v)| *k == "type" && matches!(*v, "cache" | "tmpfs"));
                let at = fields.iter().any(|(k, v)| {
                    matches!(*k, "target" | "dst" | "destination") && v.contains(fragment)
                });
                kind && at
            })
    })
}

/// `ENV`/`ARG`-style `key=value` pairs of an ENV node (its args are key, value, separator
/// triples), quotes removed from values.
pub fn env_pairs(instr: &Instr<'_>) -> Vec<(String, String)> {
    instr
        .node
        .args
        .chunks(3)
        .filter(|c| c.len() >= 2)
        .map(|c| (c[0].value.clone(), unquote(&c[1].value)))
        .collect()
}

/// `"x"` or `'x'` → `x`.
pub fn unquote(text: &str) -> String {
    let t = text.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

impl<'a> File<'a> {
    /// Every RUN with its script; under ONBUILD too when `onbuild`.
    pub fn runs(&self, onbuild: bool) -> impl Iterator<Item = (&Instr<'a>, &Script)> {
        self.instrs.iter().filter_map(move |i| {
            let wanted = if onbuild {
                i.is_any("run")
            } else {
                i.is("run")
            };
            match (&i.script, wanted) {
                (Some(s), true) => Some((i, s)),
                _ => None,
            }
        })
    }
}
