//! `ONBUILD <instruction>`: a trigger stored in the image, run by builds based on it.
//!
//! Like BuildKit, this layer keeps the trigger as text (`expression`: the line without its
//! `ONBUILD` keyword, with any here-document bodies appended) and only checks that there
//! is one, that ONBUILD's own flags are empty, and that the trigger is not ONBUILD, FROM
//! or MAINTAINER. Errors inside the trigger surface only when a build uses the image as
//! its base; `instruction` holds the trigger typed when it parses cleanly.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::NO_FLAGS;
use crate::ast::goparse::upper;
use crate::ast::Spanned;
use crate::syntax::{Node, Span};

use super::common::Request;
use super::{parse_instruction, Instruction, Parsed};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OnbuildInstruction {
    pub keyword: Spanned<String>,
    /// The wrapped instruction's keyword as written.
    pub trigger: Spanned<String>,
    /// BuildKit's `Expression`: what an inheriting build parses and runs.
    pub expression: Spanned<String>,
    /// The trigger typed, when it parses without error (never a FROM).
    pub trigger_instruction: Option<Box<Instruction>>,
    pub span: Span,
}

pub(crate) fn parse(req: &Request<'_>) -> Result<OnbuildInstruction, AstError> {
    let node = req.node;
    let Some(sub) = node.sub.as_deref() else {
        return Err(AstError::AtLeastOneArgument {
            instruction: req.name.to_string(),
            span: req.args_span(),
            node: node.span,
        });
    };
    req.flags(NO_FLAGS)?;
    let trigger = upper(sub.keyword.trim());
    match trigger.as_str() {
        "ONBUILD" => {
            return Err(AstError::OnbuildChain {
                span: sub.keyword_span,
                node: node.span,
            })
        }
        "MAINTAINER" | "FROM" => {
            return Err(AstError::OnbuildTrigger {
                trigger,
                span: sub.keyword_span,
                node: node.span,
            })
        }
        _ => {}
    }
    let heredocs = if node.heredocs.is_empty() {
        &sub.heredocs
    } else {
        &node.heredocs
    };
    let mut expression = strip_keyword(&node.original).to_string();
    for heredoc in heredocs {
        expression.push('\n');
        expression.push_str(&heredoc.content);
        expression.push_str(&heredoc.name);
    }
    let end = node.span.end.max(sub.span.end) as usize;
    let expression_span = Span::new((sub.span.start as usize).min(end), end);
    Ok(OnbuildInstruction {
        keyword: req.keyword(),
        trigger: Spanned::new(sub.keyword.clone(), sub.keyword_span),
        expression: Spanned::new(expression, expression_span),
        trigger_instruction: typed_trigger(sub, heredocs),
        span: node.span,
    })
}

/// `(?i)^\s*ONBUILD\s*` removed (`\s` being ASCII whitespace but vertical tab).
fn strip_keyword(original: &str) -> &str {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}');
    let rest = original.trim_start_matches(is_space);
    match rest.get(..7) {
        Some(word) if word.eq_ignore_ascii_case("onbuild") => {
            rest[7..].trim_start_matches(is_space)
        }
        _ => original,
    }
}

fn typed_trigger(sub: &Node, heredocs: &[crate::syntax::Heredoc]) -> Option<Box<Instruction>> {
    let parsed = if sub.heredocs.is_empty() && !heredocs.is_empty() {
        // The bodies hang on the ONBUILD node; give them (and their lines) to the trigger.
        let mut with_bodies = sub.clone();
        with_bodies.heredocs = heredocs.to_vec();
        with_bodies.span = heredocs.iter().fold(sub.span, |s, h| s.cover(h.span));
        parse_instruction(&with_bodies)
    } else {
        parse_instruction(sub)
    };
    match parsed {
        Ok(Parsed::Instruction(instruction)) => Some(Box::new(instruction)),
        _ => None,
    }
}
