//! Pieces shared by the instruction parsers: the per-node request, argument-count checks,
//! and the shell-or-exec command form of RUN, CMD, ENTRYPOINT and HEALTHCHECK.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::{self, FlagDecl, Flags};
use crate::ast::Spanned;
use crate::syntax::{Arg, Node, Span};

/// One node being typed, with the helpers every instruction parser needs.
pub(crate) struct Request<'a> {
    pub node: &'a Node,
    /// The instruction's name in BuildKit's messages (`ENV`, `COPY`, ...).
    pub name: &'static str,
}

impl<'a> Request<'a> {
    pub fn new(node: &'a Node, name: &'static str) -> Request<'a> {
        Request { node, name }
    }

    pub fn args(&self) -> &'a [Arg] {
        &self.node.args
    }

    pub fn keyword(&self) -> Spanned<String> {
        Spanned::new(self.node.keyword.clone(), self.node.keyword_span)
    }

    /// Where a problem with the arguments is shown: the arguments, or the keyword when
    /// there are none.
    pub fn args_span(&self) -> Span {
        match (self.node.args.first(), self.node.args.last()) {
            (Some(first), Some(last)) => first.span.cover(last.span),
            _ if !self.node.rest_span.is_empty() => self.node.rest_span,
            _ => self.node.keyword_span,
        }
    }

    pub fn flags(&self, decls: &[FlagDecl]) -> Result<Flags, AstError> {
        flags::parse(&self.node.flags, decls, self.name, self.node.span)
    }

    pub fn at_least_one(&self) -> Result<(), AstError> {
        if self.node.args.is_empty() {
            return Err(AstError::AtLeastOneArgument {
                instruction: self.name.to_string(),
                span: self.args_span(),
                node: self.node.span,
            });
        }
        Ok(())
    }

    pub fn exactly_one(&self) -> Result<Spanned<String>, AstError> {
        match self.node.args.as_slice() {
            [arg] => Ok(spanned(arg)),
            _ => Err(AstError::ExactlyOneArgument {
                instruction: self.name.to_string(),
                span: self.args_span(),
                node: self.node.span,
            }),
        }
    }
}

pub(crate) fn spanned(arg: &Arg) -> Spanned<String> {
    Spanned::new(arg.value.clone(), arg.span)
}

/// A command in shell form (run through the stage's shell) or exec form (a JSON array).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "lowercase")]
pub enum ShellOrExec {
    /// The command text as written after the keyword and flags.
    Shell { text: Spanned<String> },
    /// The JSON array's elements; `span` covers the arguments.
    Exec {
        args: Vec<Spanned<String>>,
        span: Span,
    },
    /// No arguments at all: BuildKit keeps an empty command line with the shell prepended.
    Empty { span: Span },
}

impl ShellOrExec {
    /// Builds the command from `args` (already stripped of any leading type word).
    pub(crate) fn from_args(args: &[Arg], json: bool, fallback: Span) -> ShellOrExec {
        if json {
            let span = cover(args).unwrap_or(fallback);
            return ShellOrExec::Exec {
                args: args.iter().map(spanned).collect(),
                span,
            };
        }
        match cover(args) {
            None => ShellOrExec::Empty { span: fallback },
            Some(span) => {
                let text = args
                    .iter()
                    .map(|a| a.value.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                ShellOrExec::Shell {
                    text: Spanned::new(text, span),
                }
            }
        }
    }

    /// BuildKit's `CmdLine`: the shell-form text as one element, or the exec elements.
    pub fn cmd_line(&self) -> Vec<String> {
        match self {
            ShellOrExec::Shell { text } => vec![text.value.clone()],
            ShellOrExec::Exec { args, .. } => args.iter().map(|a| a.value.clone()).collect(),
            ShellOrExec::Empty { .. } => Vec::new(),
        }
    }

    /// BuildKit's `PrependShell`: everything but the exec form.
    pub fn prepends_shell(&self) -> bool {
        !matches!(self, ShellOrExec::Exec { .. })
    }

    pub fn span(&self) -> Span {
        match self {
            ShellOrExec::Shell { text } => text.span,
            ShellOrExec::Exec { span, .. } | ShellOrExec::Empty { span } => *span,
        }
    }
}

fn cover(args: &[Arg]) -> Option<Span> {
    let first = args.first()?;
    let last = args.last()?;
    Some(first.span.cover(last.span))
}
