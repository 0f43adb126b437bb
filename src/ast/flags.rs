//! `--flag` parsing with BuildKit's `BFlags` rules, and each instruction's declared flags.
//!
//! An instruction declares its flags ([`FlagDecl`]); [`parse`] checks the node's raw
//! flags against them in order and stops at the first problem, as BuildKit does:
//! an undeclared name (`unknown flag: --mont (did you mean mount?)`), a non-repeatable
//! flag given twice, a string flag without `=value`, a bool flag with `=` but no value or
//! a value other than true/false (any case). Bool flags accept `--link`, `--link=true`
//! and `--link=false`; string-list flags (`--mount`, `--exclude`) may repeat. Flag names
//! are case-sensitive. Values are kept unexpanded.

use crate::syntax::{RawFlag, Span};

use super::error::AstError;
use super::goparse;
use super::suggest;
use super::Spanned;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    Bool,
    String,
    /// A string flag that may be given several times.
    Strings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagDecl {
    pub name: &'static str,
    pub kind: FlagKind,
}

const fn decl(name: &'static str, kind: FlagKind) -> FlagDecl {
    FlagDecl { name, kind }
}

pub const NO_FLAGS: &[FlagDecl] = &[];
pub const FROM_FLAGS: &[FlagDecl] = &[decl("platform", FlagKind::String)];
pub const COPY_FLAGS: &[FlagDecl] = &[
    decl("chown", FlagKind::String),
    decl("from", FlagKind::String),
    decl("chmod", FlagKind::String),
    decl("link", FlagKind::Bool),
    decl("exclude", FlagKind::Strings),
    decl("parents", FlagKind::Bool),
];
pub const ADD_FLAGS: &[FlagDecl] = &[
    decl("chown", FlagKind::String),
    decl("chmod", FlagKind::String),
    decl("link", FlagKind::Bool),
    decl("keep-git-dir", FlagKind::Bool),
    decl("checksum", FlagKind::String),
    decl("unpack", FlagKind::Bool),
    decl("exclude", FlagKind::Strings),
];
/// RUN's flags. `--device` is declared by BuildKit's instruction parser in every build;
/// only lowering rejects it outside the labs channel.
pub const RUN_FLAGS: &[FlagDecl] = &[
    decl("device", FlagKind::Strings),
    decl("mount", FlagKind::Strings),
    decl("network", FlagKind::String),
    decl("security", FlagKind::String),
];
pub const HEALTHCHECK_FLAGS: &[FlagDecl] = &[
    decl("interval", FlagKind::String),
    decl("timeout", FlagKind::String),
    decl("start-period", FlagKind::String),
    decl("start-interval", FlagKind::String),
    decl("retries", FlagKind::String),
];

/// One accepted occurrence of a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Occurrence {
    name: &'static str,
    /// For bool flags `"true"`/`"false"`; for string flags the text after `=`.
    value: String,
    /// The whole flag word.
    span: Span,
    /// The value part when it can be located exactly, else the whole word.
    value_span: Span,
}

/// The flags of one instruction after a successful [`parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    seen: Vec<Occurrence>,
}

impl Flags {
    /// A string flag's value (BuildKit's `Value`); `None` when not given.
    pub fn string(&self, name: &str) -> Option<Spanned<String>> {
        self.seen
            .iter()
            .find(|o| o.name == name)
            .map(|o| Spanned::new(o.value.clone(), o.value_span))
    }

    /// A bool flag's value, spanning the whole flag; `None` when not given.
    pub fn bool(&self, name: &str) -> Option<Spanned<bool>> {
        self.seen
            .iter()
            .find(|o| o.name == name)
            .map(|o| Spanned::new(o.value == "true", o.span))
    }

    /// Every value of a repeatable flag, in order.
    pub fn strings(&self, name: &str) -> Vec<Spanned<String>> {
        self.seen
            .iter()
            .filter(|o| o.name == name)
            .map(|o| Spanned::new(o.value.clone(), o.value_span))
            .collect()
    }

    /// The whole-word span of the first occurrence of a flag.
    pub fn span_of(&self, name: &str) -> Option<Span> {
        self.seen.iter().find(|o| o.name == name).map(|o| o.span)
    }

    /// Names of the flags given, each once, in order of first use.
    pub fn used(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in &self.seen {
            if !out.iter().any(|n| n == o.name) {
                out.push(o.name.to_string());
            }
        }
        out
    }
}

/// Checks `raw` against `decls`; `instruction` (upper-case) and `node` feed the error.
pub fn parse(
    raw: &[RawFlag],
    decls: &[FlagDecl],
    instruction: &str,
    node: Span,
) -> Result<Flags, AstError> {
    let mut flags = Flags::default();
    for flag in raw {
        let text = flag.text.as_str();
        if text == "--" {
            break;
        }
        let Some(body) = text.strip_prefix("--") else {
            return Err(AstError::NotAFlag {
                word: text.to_string(),
                span: flag.span,
                node,
            });
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let flag_name = format!("--{name}");
        let Some(decl) = decls.iter().find(|d| d.name == name) else {
            let mut names: Vec<&str> = decls.iter().map(|d| d.name).collect();
            names.sort_unstable();
            return Err(AstError::UnknownFlag {
                flag: flag_name,
                suggestion: suggest::search(name, &names, true),
                accepted: accepted(instruction, &names),
                span: flag.span,
                node,
            });
        };
        if decl.kind != FlagKind::Strings && flags.seen.iter().any(|o| o.name == decl.name) {
            return Err(AstError::DuplicateFlag {
                flag: flag_name,
                span: flag.span,
                node,
            });
        }
        let value = match (decl.kind, value) {
            (FlagKind::Bool, Some("")) | (FlagKind::String | FlagKind::Strings, None) => {
                return Err(AstError::MissingFlagValue {
                    flag: flag_name,
                    span: flag.span,
                    node,
                })
            }
            (FlagKind::Bool, None) => "true".to_string(),
            (FlagKind::Bool, Some(v)) => match goparse::lower(v).as_str() {
                "true" => "true".to_string(),
                "false" => "false".to_string(),
                _ => {
                    return Err(AstError::InvalidBoolFlag {
                        flag: flag_name,
                        value: v.to_string(),
                        span: flag.span,
                        node,
                    })
                }
            },
            (_, Some(v)) => v.to_string(),
        };
        flags.seen.push(Occurrence {
            name: decl.name,
            value_span: value_span(flag, &value),
            value,
            span: flag.span,
        });
    }
    Ok(flags)
}

fn accepted(instruction: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return format!("{instruction} takes no flags");
    }
    let list: Vec<String> = names.iter().map(|n| format!("--{n}")).collect();
    format!("{instruction} accepts {}", list.join(", "))
}

/// The span of the text after `=` when the word was written without quotes or escapes
/// (its text then maps byte for byte onto the source), else the whole word.
fn value_span(flag: &RawFlag, value: &str) -> Span {
    let exact = flag.span.len() == flag.text.len();
    match flag.text.find('=') {
        Some(eq) if exact && value.len() == flag.text.len() - eq - 1 => {
            Span::new(flag.span.start as usize + eq + 1, flag.span.end as usize)
        }
        _ => flag.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(words: &[&str]) -> Vec<RawFlag> {
        let mut offset = 4;
        words
            .iter()
            .map(|w| {
                let span = Span::new(offset, offset + w.len());
                offset += w.len() + 1;
                RawFlag {
                    text: w.to_string(),
                    span,
                }
            })
            .collect()
    }

    fn run(words: &[&str], decls: &[FlagDecl]) -> Result<Flags, String> {
        parse(&raw(words), decls, "COPY", Span::new(0, 100)).map_err(|e| e.to_string())
    }

    #[test]
    fn bool_forms() -> Result<(), String> {
        let f = run(&["--link"], COPY_FLAGS)?;
        assert_eq!(f.bool("link").map(|b| b.value), Some(true));
        let f = run(&["--link=false"], COPY_FLAGS)?;
        assert_eq!(f.bool("link").map(|b| b.value), Some(false));
        let f = run(&["--link=TRUE"], COPY_FLAGS)?;
        assert_eq!(f.bool("link").map(|b| b.value), Some(true));
        assert_eq!(f.bool("parents"), None);
        assert_eq!(
            run(&["--link="], COPY_FLAGS).err().as_deref(),
            Some("missing a value on flag: --link")
        );
        assert_eq!(
            run(&["--link=yes"], COPY_FLAGS).err().as_deref(),
            Some("expecting boolean value for flag --link, not: yes")
        );
        Ok(())
    }

    #[test]
    fn string_flags() -> Result<(), String> {
        let f = run(&["--from=build", "--chown="], COPY_FLAGS)?;
        let from = f.string("from");
        assert_eq!(from.as_ref().map(|s| s.value.as_str()), Some("build"));
        // The value's span covers `build` only.
        assert_eq!(from.map(|s| s.span), Some(Span::new(11, 16)));
        assert_eq!(f.string("chown").map(|s| s.value), Some(String::new()));
        assert_eq!(f.used(), ["from", "chown"]);
        assert_eq!(
            run(&["--from"], COPY_FLAGS).err().as_deref(),
            Some("missing a value on flag: --from")
        );
        assert_eq!(
            run(&["--from=a", "--from=b"], COPY_FLAGS).err().as_deref(),
            Some("duplicate flag specified: --from")
        );
        let f = run(&["--from=a=b"], COPY_FLAGS)?;
        assert_eq!(f.string("from").map(|s| s.value), Some("a=b".to_string()));
        Ok(())
    }

    #[test]
    fn repeatable_flags() -> Result<(), String> {
        let f = run(&["--exclude=a", "--exclude=b"], COPY_FLAGS)?;
        let values: Vec<_> = f.strings("exclude").into_iter().map(|s| s.value).collect();
        assert_eq!(values, ["a", "b"]);
        assert_eq!(f.used(), ["exclude"]);
        assert_eq!(
            run(&["--exclude"], COPY_FLAGS).err().as_deref(),
            Some("missing a value on flag: --exclude")
        );
        Ok(())
    }

    #[test]
    fn unknown_flags_with_suggestions() {
        assert_eq!(
            run(&["--mont=type=cache"], RUN_FLAGS).err().as_deref(),
            Some("unknown flag: --mont (did you mean mount?)")
        );
        assert_eq!(
            run(&["--foo"], COPY_FLAGS).err().as_deref(),
            Some("unknown flag: --foo (did you mean from?)")
        );
        assert_eq!(
            run(&["--user=x"], COPY_FLAGS).err().as_deref(),
            Some("unknown flag: --user")
        );
        assert_eq!(
            run(&["--boo"], NO_FLAGS).err().as_deref(),
            Some("unknown flag: --boo")
        );
        assert_eq!(
            run(&["--Link"], COPY_FLAGS).err().as_deref(),
            Some("unknown flag: --Link (did you mean link?)")
        );
        // The first problem wins.
        assert_eq!(
            run(&["--from=a", "--bad", "--from=b"], COPY_FLAGS)
                .err()
                .as_deref(),
            Some("unknown flag: --bad")
        );
    }

    #[test]
    fn quoted_flag_values_span_the_word() -> Result<(), AstError> {
        // `--from="build"` in the source: the text lost its quotes.
        let flag = RawFlag {
            text: "--from=build".into(),
            span: Span::new(5, 19),
        };
        let f = parse(&[flag], COPY_FLAGS, "COPY", Span::new(0, 30))?;
        assert_eq!(f.string("from").map(|s| s.span), Some(Span::new(5, 19)));
        Ok(())
    }

    #[test]
    fn double_dash_ends_flags() -> Result<(), String> {
        let f = run(&["--", "--bogus"], COPY_FLAGS)?;
        assert!(f.used().is_empty());
        Ok(())
    }
}
