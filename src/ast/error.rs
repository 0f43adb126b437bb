//! Errors of the typed layer, worded exactly as BuildKit words them.
//!
//! Each variant carries `span` (what the label points at: the keyword, a flag, an
//! argument) and `node` (the whole instruction; BuildKit's `on line N` is the first line
//! of `node`). `Display` is BuildKit's message without the `dockerfile parse error on
//! line N:` prefix, which the CLI adds when [`AstError::has_line_prefix`] says so.
//! Errors raised only while converting to LLB are not here (see [`crate::ast`]).

use miette::Diagnostic;
use thiserror::Error;

use crate::syntax::{LineIndex, Span};

/// ` (did you mean X?)` or nothing.
fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean {s}?)"),
        None => String::new(),
    }
}

#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum AstError {
    #[error("unknown instruction: {keyword}{}", did_you_mean(.suggestion))]
    #[diagnostic(
        code(dfc::ast::unknown_instruction),
        help("instructions are FROM, RUN, COPY, ADD, ARG, ENV, LABEL, WORKDIR, USER, CMD, ENTRYPOINT, SHELL, EXPOSE, VOLUME, HEALTHCHECK, STOPSIGNAL, ONBUILD, MAINTAINER")
    )]
    UnknownInstruction {
        keyword: String,
        suggestion: Option<String>,
        #[label("not a Dockerfile instruction")]
        span: Span,
        node: Span,
    },

    #[error("unknown flag: {flag}{}", did_you_mean(.suggestion))]
    #[diagnostic(code(dfc::ast::flag), help("{accepted}"))]
    UnknownFlag {
        /// The flag name with its dashes, `--mont`.
        flag: String,
        suggestion: Option<String>,
        /// What the instruction accepts, as a sentence.
        accepted: String,
        #[label("unknown flag")]
        span: Span,
        node: Span,
    },

    #[error("duplicate flag specified: {flag}")]
    #[diagnostic(code(dfc::ast::flag), help("give {flag} only once"))]
    DuplicateFlag {
        flag: String,
        #[label("given a second time")]
        span: Span,
        node: Span,
    },

    #[error("missing a value on flag: {flag}")]
    #[diagnostic(code(dfc::ast::flag), help("write {flag}=VALUE"))]
    MissingFlagValue {
        flag: String,
        #[label("needs a value")]
        span: Span,
        node: Span,
    },

    #[error("expecting boolean value for flag {flag}, not: {value}")]
    #[diagnostic(
        code(dfc::ast::flag),
        help("write {flag}, {flag}=true or {flag}=false")
    )]
    InvalidBoolFlag {
        flag: String,
        value: String,
        #[label("not true or false")]
        span: Span,
        node: Span,
    },

    #[error("arg should start with -- : {word}")]
    #[diagnostic(code(dfc::ast::flag))]
    NotAFlag {
        word: String,
        #[label("not a --flag")]
        span: Span,
        node: Span,
    },

    #[error("{instruction} requires at least one argument")]
    #[diagnostic(
        code(dfc::ast::arguments),
        help("add the arguments {instruction} needs")
    )]
    AtLeastOneArgument {
        instruction: String,
        #[label("no arguments")]
        span: Span,
        node: Span,
    },

    #[error("{instruction} requires exactly one argument")]
    #[diagnostic(code(dfc::ast::arguments), help("give {instruction} one argument"))]
    ExactlyOneArgument {
        instruction: String,
        #[label("no argument")]
        span: Span,
        node: Span,
    },

    #[error("{instruction} requires at least two arguments, but only one was provided. Destination could not be determined")]
    #[diagnostic(
        code(dfc::ast::arguments),
        help("write `{instruction} <src>... <dest>`")
    )]
    NoDestination {
        instruction: String,
        #[label("only a source")]
        span: Span,
        node: Span,
    },

    #[error("{instruction} cannot accept a heredoc as a destination")]
    #[diagnostic(
        code(dfc::ast::heredoc),
        help("here-documents can only be sources; give a path as the last argument")
    )]
    HeredocDestination {
        instruction: String,
        #[label("a here-document as destination")]
        span: Span,
        node: Span,
    },

    #[error("{instruction} names can not be blank")]
    #[diagnostic(code(dfc::ast::arguments), help("write `{instruction} name=value`"))]
    BlankName {
        instruction: String,
        #[label("empty name")]
        span: Span,
        node: Span,
    },

    #[error("Bad input to {instruction}, too many arguments")]
    #[diagnostic(code(dfc::ast::arguments))]
    TooManyArguments {
        instruction: String,
        #[label("arguments are not name/value pairs")]
        span: Span,
        node: Span,
    },

    #[error("FROM requires either one or three arguments")]
    #[diagnostic(
        code(dfc::ast::from),
        help("write `FROM image` or `FROM image AS name`")
    )]
    FromArguments {
        #[label("expected `image` or `image AS name`")]
        span: Span,
        node: Span,
    },

    #[error(
        "invalid name for build stage: {quoted}, name can't start with a number or contain symbols"
    )]
    #[diagnostic(
        code(dfc::ast::from),
        help("stage names are a letter followed by letters, digits, `-`, `_` or `.`")
    )]
    InvalidStageName {
        /// The name as written, Go-quoted.
        quoted: String,
        #[label("invalid stage name")]
        span: Span,
        node: Span,
    },

    #[error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")]
    #[diagnostic(code(dfc::ast::onbuild), help("remove the second ONBUILD"))]
    OnbuildChain {
        #[label("nested ONBUILD")]
        span: Span,
        node: Span,
    },

    #[error("{trigger} isn't allowed as an ONBUILD trigger")]
    #[diagnostic(
        code(dfc::ast::onbuild),
        help("FROM and MAINTAINER cannot be deferred with ONBUILD")
    )]
    OnbuildTrigger {
        trigger: String,
        #[label("not allowed here")]
        span: Span,
        node: Span,
    },

    #[error("HEALTHCHECK NONE takes no arguments")]
    #[diagnostic(code(dfc::ast::healthcheck), help("write `HEALTHCHECK NONE` alone"))]
    HealthcheckNoneArguments {
        #[label("unexpected arguments")]
        span: Span,
        node: Span,
    },

    #[error("Missing command after HEALTHCHECK CMD")]
    #[diagnostic(code(dfc::ast::healthcheck), help("write `HEALTHCHECK CMD <command>`"))]
    HealthcheckMissingCommand {
        #[label("no command")]
        span: Span,
        node: Span,
    },

    #[error("Unknown type {quoted} in HEALTHCHECK (try CMD)")]
    #[diagnostic(code(dfc::ast::healthcheck), help("the type is CMD or NONE"))]
    HealthcheckType {
        /// The type upper-cased and Go-quoted.
        quoted: String,
        #[label("not CMD or NONE")]
        span: Span,
        node: Span,
    },

    #[error("{message}")]
    #[diagnostic(
        code(dfc::ast::healthcheck),
        help("durations are written like 30s, 1m30s or 500ms")
    )]
    InvalidDuration {
        /// Go's `time.ParseDuration` error text.
        message: String,
        #[label("not a duration")]
        span: Span,
        node: Span,
    },

    #[error("Interval {quoted_flag} cannot be less than 1ms")]
    #[diagnostic(
        code(dfc::ast::healthcheck),
        help("use 0 for the default or at least 1ms")
    )]
    IntervalTooShort {
        /// The flag name without dashes, Go-quoted (`"interval"`).
        quoted_flag: String,
        #[label("shorter than 1ms")]
        span: Span,
        node: Span,
    },

    #[error("{message}")]
    #[diagnostic(code(dfc::ast::healthcheck), help("--retries takes a whole number"))]
    InvalidRetries {
        /// Go's `strconv.ParseInt` error text.
        message: String,
        #[label("not a 32-bit integer")]
        span: Span,
        node: Span,
    },

    #[error("--retries cannot be negative ({value})")]
    #[diagnostic(code(dfc::ast::healthcheck), help("use 0 or more"))]
    NegativeRetries {
        value: i64,
        #[label("negative")]
        span: Span,
        node: Span,
    },

    #[error("VOLUME specified can not be an empty string")]
    #[diagnostic(code(dfc::ast::arguments), help("remove the empty path"))]
    EmptyVolume {
        #[label("empty path")]
        span: Span,
        node: Span,
    },

    #[error("{instruction} requires the arguments to be in JSON form")]
    #[diagnostic(
        code(dfc::ast::json),
        help("write {instruction} [\"executable\", \"param\"]")
    )]
    NotJson {
        instruction: String,
        #[label("not a JSON array")]
        span: Span,
        node: Span,
    },

    #[error("failed to parse csv mounts: {message}")]
    #[diagnostic(code(dfc::ast::mount), help("--mount takes comma-separated key=value fields; quote a field with \"...\" and write \"\" for a quote inside it"))]
    MountCsv {
        message: String,
        #[label("malformed mount")]
        span: Span,
        node: Span,
    },

    #[error("'from' doesn't support variable expansion, define alias stage instead")]
    #[diagnostic(
        code(dfc::ast::mount),
        help("declare `FROM ${{VAR}} AS name` and use `from=name`")
    )]
    MountFromVariable {
        #[label("variable in from=")]
        span: Span,
        node: Span,
    },

    #[error("{message}")]
    #[diagnostic(
        code(dfc::ast::device),
        help("--device takes a device name and optionally `required`")
    )]
    InvalidDevice {
        message: String,
        #[label("invalid device")]
        span: Span,
        node: Span,
    },

    #[error("invalid network mode {quoted}")]
    #[diagnostic(code(dfc::ast::network), help("--network is default, none or host"))]
    InvalidNetwork {
        quoted: String,
        #[label("unknown network mode")]
        span: Span,
        node: Span,
    },

    #[error("security {quoted} is not valid")]
    #[diagnostic(code(dfc::ast::security), help("--security is sandbox or insecure"))]
    InvalidSecurity {
        quoted: String,
        #[label("unknown security mode")]
        span: Span,
        node: Span,
    },

    #[error("no build stage in current context")]
    #[diagnostic(
        code(dfc::ast::no_stage),
        help("start the file with FROM (only ARG may come before the first FROM)")
    )]
    NoBuildStage {
        #[label("before any FROM")]
        span: Span,
        node: Span,
    },
}

impl AstError {
    /// What the error points at.
    pub fn span(&self) -> Span {
        self.spans().0
    }

    /// The whole instruction; BuildKit's `line N` is its first line.
    pub fn node_span(&self) -> Span {
        self.spans().1
    }

    /// BuildKit prefixes `dockerfile parse error on line N: ` to every error of
    /// `instructions.Parse` except `no build stage in current context`.
    pub fn has_line_prefix(&self) -> bool {
        !matches!(self, AstError::NoBuildStage { .. })
    }

    /// The message as BuildKit prints it, `dockerfile parse error on line N: ` included
    /// where BuildKit adds it (N is the instruction's first line).
    pub fn buildkit_message(&self, index: &LineIndex) -> String {
        if self.has_line_prefix() {
            let line = index.line_of(self.node_span().start) + 1;
            format!("dockerfile parse error on line {line}: {self}")
        } else {
            self.to_string()
        }
    }

    fn spans(&self) -> (Span, Span) {
        use AstError::*;
        match self {
            UnknownInstruction { span, node, .. }
            | UnknownFlag { span, node, .. }
            | DuplicateFlag { span, node, .. }
            | MissingFlagValue { span, node, .. }
            | InvalidBoolFlag { span, node, .. }
            | NotAFlag { span, node, .. }
            | AtLeastOneArgument { span, node, .. }
            | ExactlyOneArgument { span, node, .. }
            | NoDestination { span, node, .. }
            | HeredocDestination { span, node, .. }
            | BlankName { span, node, .. }
            | TooManyArguments { span, node, .. }
            | FromArguments { span, node }
            | InvalidStageName { span, node, .. }
            | OnbuildChain { span, node }
            | OnbuildTrigger { span, node, .. }
            | HealthcheckNoneArguments { span, node }
            | HealthcheckMissingCommand { span, node }
            | HealthcheckType { span, node, .. }
            | InvalidDuration { span, node, .. }
            | IntervalTooShort { span, node, .. }
            | InvalidRetries { span, node, .. }
            | NegativeRetries { span, node, .. }
            | EmptyVolume { span, node }
            | NotJson { span, node, .. }
            | MountCsv { span, node, .. }
            | MountFromVariable { span, node }
            | InvalidDevice { span, node, .. }
            | InvalidNetwork { span, node, .. }
            | InvalidSecurity { span, node, .. }
            | NoBuildStage { span, node } => (*span, *node),
        }
    }
}
