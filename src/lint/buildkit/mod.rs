//! The BuildKit checks engine: walks a Dockerfile in the order BuildKit's parser,
//! `instructions.Parse` and converter do, keeping the state the checks need (the
//! configuration in force per instruction, global ARGs, each stage's environment), and
//! calls the rule files in [`crate::lint::rules::buildkit`].
//!
//! Settings are those of `docker build --check` with no build arguments: every stage is
//! checked, the build and target platform are linux/amd64, and a base image's
//! environment sets only `PATH`. A caller can restrict dispatch to some stages, as a
//! build does for the stages its target reaches ([`Input::stages`]): the file-wide checks
//! (parse, casing, stage names, FROM arguments) still cover every stage. Where BuildKit stops with an error, so does this engine
//! ([`run`] returns the message); findings made before the error are kept.

mod dispatch;
mod epoch;
mod expose;
pub mod ignore;
pub mod reference;

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{AstError, Dockerfile};
use crate::lint::config::CheckConfig;
use crate::lint::rules::buildkit as rules;
use crate::lint::sink::Sink;
use crate::shell::{EnvMap, Expansion, Lexer};
use crate::syntax::{Node, ParsedFile};

use ignore::IgnoreMatcher;
use rules::consistent_instruction_casing::Keyword;

/// What the engine reads.
pub struct Input<'a> {
    pub source: &'a str,
    pub parsed: &'a ParsedFile,
    pub tree: &'a Dockerfile,
    pub ast_errors: &'a [AstError],
    pub ignore: Option<&'a IgnoreMatcher>,
    /// The stages dispatched, by index in the file: `None` for all of them.
    pub stages: Option<&'a BTreeSet<usize>>,
}

impl Input<'_> {
    /// Whether stage `i`'s instructions are dispatched (and so checked).
    pub(crate) fn dispatches(&self, i: usize) -> bool {
        self.stages.map_or(true, |s| s.contains(&i))
    }
}

/// Runs every BuildKit check. `Err` is the error BuildKit stops with.
pub fn run(input: &Input<'_>, sink: &mut Sink, base: &CheckConfig) -> Result<(), String> {
    for warning in &input.parsed.warnings {
        rules::no_empty_continuation::check(sink, base, warning);
    }
    parse_phase(input, sink, base)?;
    let tree = input.tree;
    if tree.stages.is_empty() {
        return Err("dockerfile contains no stages to build".to_string());
    }
    rules::reserved_stage_name::check(sink, base, &tree.stages);
    rules::duplicate_stage_name::check(sink, base, &tree.stages);
    let mut keywords = Vec::new();
    for stage in &tree.stages {
        keywords.push(Keyword {
            text: &stage.from.keyword.value,
            span: stage.from.keyword.span,
            instruction: stage.from.span,
        });
        for i in &stage.instructions {
            keywords.push(Keyword {
                text: &i.keyword().value,
                span: i.keyword().span,
                instruction: i.span(),
            });
        }
    }
    rules::consistent_instruction_casing::check(sink, base, &keywords);

    let nodes: BTreeMap<u32, &Node> = input
        .parsed
        .nodes
        .iter()
        .map(|n| (n.span.start, n))
        .collect();
    let globals = Globals::new(input, sink, base)?;
    epoch::check(tree, &globals)?;
    let bases = dispatch::setup_stages(input, sink, base, &globals)?;
    dispatch::check_copy_from(tree)?;
    dispatch::conversion::resolve_base_names(tree, &globals, &bases)?;
    dispatch::dispatch_all(input, sink, base, &globals, &bases, &nodes)
}

/// The checks `instructions.Parse` makes while typing each node, up to the first error.
fn parse_phase(input: &Input<'_>, sink: &mut Sink, base: &CheckConfig) -> Result<(), String> {
    let first_error = input.ast_errors.iter().min_by_key(|e| e.node_span().start);
    let stop_at = first_error.map(|e| e.node_span().start);
    for node in &input.parsed.nodes {
        if stop_at.is_some_and(|s| node.span.start > s) {
            break;
        }
        let config = base.merged_from_comments(&node.comments);
        let name = node.keyword.to_lowercase();
        match name.as_str() {
            "maintainer" => rules::maintainer_deprecated::check(sink, &config, node),
            "from" => {
                rules::stage_name_casing::check(sink, &config, node);
                rules::from_as_casing::check(sink, &config, node);
            }
            _ => {}
        }
        if stop_at == Some(node.span.start) {
            break;
        }
        match name.as_str() {
            "from" => {
                if let [_, _, stage] = node.args.as_slice() {
                    let lowered = stage.value.to_lowercase();
                    rules::invalid_definition_description::check(
                        sink,
                        &config,
                        "FROM",
                        &[&lowered],
                        node,
                    );
                }
            }
            "arg" => {
                let keys: Vec<&str> = node
                    .args
                    .iter()
                    .map(|a| a.value.split_once('=').map_or(a.value.as_str(), |(k, _)| k))
                    .collect();
                rules::invalid_definition_description::check(sink, &config, "ARG", &keys, node);
            }
            _ => {}
        }
    }
    match first_error {
        Some(e) => {
            let index = crate::syntax::LineIndex::new(input.source);
            Err(e.buildkit_message(&index))
        }
        None => Ok(()),
    }
}

/// The global scope: predefined platform arguments plus the ARGs before the first FROM.
pub(crate) struct Globals {
    pub lexer: Lexer,
    /// Predefined arguments and global ARGs with a value.
    pub args: EnvMap,
    /// Every global ARG name, with or without a value.
    pub declared: Vec<String>,
}

pub(crate) const TARGET_PLATFORM: &str = "linux/amd64";

impl Globals {
    fn new(input: &Input<'_>, sink: &mut Sink, base: &CheckConfig) -> Result<Globals, String> {
        let tree = input.tree;
        let lexer = Lexer::new(tree.escape);
        let target = tree
            .stages
            .last()
            .and_then(|s| s.name())
            .unwrap_or("default");
        let mut args = EnvMap::new();
        for (k, v) in [
            ("BUILDPLATFORM", TARGET_PLATFORM),
            ("BUILDOS", "linux"),
            ("BUILDOSVERSION", ""),
            ("BUILDARCH", "amd64"),
            ("BUILDVARIANT", ""),
            ("TARGETPLATFORM", TARGET_PLATFORM),
            ("TARGETOS", "linux"),
            ("TARGETOSVERSION", ""),
            ("TARGETARCH", "amd64"),
            ("TARGETVARIANT", ""),
            ("TARGETSTAGE", target),
        ] {
            args.set(k, v);
        }
        let mut declared = Vec::new();
        for arg in &tree.meta_args {
            for pair in &arg.args {
                if let Some(value) = &pair.value {
                    let result = lexer
                        .process_word_with_matches(&value.value, &args)
                        .map_err(|e| e.to_string())?;
                    args.set(pair.key.value.clone(), result.result);
                }
                if !declared.contains(&pair.key.value) {
                    declared.push(pair.key.value.clone());
                }
            }
        }
        // InvalidDefaultArgInFrom: file-level configuration, stops at the first
        // expansion error.
        for stage in &tree.stages {
            let Ok(m) = lexer.process_word_with_matches(stage.base(), &args) else {
                break;
            };
            rules::invalid_default_arg_in_from::check(
                sink,
                base,
                stage.base(),
                &m.result,
                stage.from.base.span,
                stage.from.span,
            );
        }
        Ok(Globals {
            lexer,
            args,
            declared,
        })
    }

    pub fn expand(&self, word: &str) -> Result<Expansion, String> {
        self.lexer
            .process_word_with_matches(word, &self.args)
            .map_err(|e| e.to_string())
    }

    /// Names FROM may use: predefined and global ARGs.
    pub fn names_for_from(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.args.iter().map(|(k, _)| k.to_string()).collect();
        for d in &self.declared {
            if !keys.contains(d) {
                keys.push(d.clone());
            }
        }
        keys
    }
}
