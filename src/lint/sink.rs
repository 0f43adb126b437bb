//! Where checks put their findings: [`Sink`] applies the rule configuration in force and
//! turns a [`Finding`] into a [`Diagnostic`].

use super::config::{CheckConfig, Options};
use super::diagnostic::{Diagnostic, Edit, Severity};
use super::rule::Rule;
use crate::syntax::Span;

/// What a check found, before configuration decides whether it is reported.
pub struct Finding {
    /// The exact part of the source.
    pub span: Span,
    /// The instruction the finding is attached to.
    pub instruction: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// The mechanical fix, if any.
    pub fix: Option<Vec<Edit>>,
}

impl Finding {
    /// A finding about `span` inside `instruction`, with the rule's summary as help.
    pub fn new(
        span: Span,
        instruction: Span,
        message: String,
        label: impl Into<String>,
    ) -> Finding {
        Finding {
            span,
            instruction,
            message,
            label: label.into(),
            help: None,
            fix: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Fixed by replacing `span`, which reads `expect`, with `text`.
    pub fn replace(mut self, span: Span, expect: &str, text: impl Into<String>) -> Finding {
        self.fix.get_or_insert_with(Vec::new).push(Edit {
            span,
            expect: expect.to_string(),
            text: text.into(),
        });
        self
    }
}

/// Collects diagnostics for one file.
pub struct Sink<'a> {
    pub options: &'a Options,
    /// The Dockerfile text (fixes read it).
    pub source: &'a str,
    /// The file's escape character.
    pub escape: char,
    pub diagnostics: Vec<Diagnostic>,
    /// Rules reported under a configuration with `error=true` (BuildKit's failure list).
    pub failing_rules: Vec<&'static str>,
}

impl<'a> Sink<'a> {
    pub fn new(options: &'a Options, source: &'a str, escape: char) -> Sink<'a> {
        Sink {
            options,
            source,
            escape,
            diagnostics: Vec::new(),
            failing_rules: Vec::new(),
        }
    }

    /// Whether `rule` would be reported under `config`.
    pub fn wants(&self, config: &CheckConfig, rule: &Rule) -> bool {
        let mut config = config.clone();
        config.experimental_all |=
            self.options.experimental || self.options.severity_of(rule.code).is_some();
        config.enabled(rule) && self.options.selects(rule.code)
    }

    /// Reports `finding` for `rule` if `config` and the user's options let it run.
    pub fn report(&mut self, config: &CheckConfig, rule: &'static Rule, finding: Finding) {
        if !self.wants(config, rule) {
            return;
        }
        let severity = if config.error {
            self.failing_rules.push(rule.code);
            Severity::Error
        } else {
            self.options.severity_of(rule.code).unwrap_or(rule.severity)
        };
        self.diagnostics.push(Diagnostic {
            code: rule.code,
            severity,
            message: finding.message,
            span: finding.span,
            instruction: finding.instruction,
            label: finding.label,
            help: finding.help.or_else(|| Some(rule.summary.to_string())),
            url: rule.url,
            fix: finding.fix,
        });
    }
}
