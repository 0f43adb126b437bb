//! `dfc lint --fix`: applies the mechanical fixes findings carry ([`crate::lint::Edit`]s)
//! to the text, lints again and repeats until nothing is left to fix.
//!
//! An edit applies only when its span still reads what the rule saw; a fix whose edits
//! overlap an edit already taken waits for the next round; identical edits from two rules
//! (MaintainerDeprecated and DL4000) count once. A round that would turn a file that
//! parses into one that does not is refused. Pure: the CLI reads and writes files.

use std::collections::BTreeMap;

use super::diagnostic::{Diagnostic, Edit};
use super::{lint, Context, Options};

/// At most this many lint-and-fix rounds.
const MAX_ROUNDS: usize = 10;

/// The result of fixing one file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fixed {
    pub text: String,
    /// How many findings were fixed, per rule code.
    pub fixed: BTreeMap<&'static str, usize>,
}

/// Why a fix was not made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FixError {
    #[error(
        "fixing {rules} would leave a file that no longer parses ({message}); nothing was changed"
    )]
    Breaks { rules: String, message: String },
}

/// Fixes `source` with the rules `options` select.
pub fn fix(source: &str, options: &Options, context: &Context) -> Result<Fixed, FixError> {
    let mut out = Fixed {
        text: source.to_string(),
        fixed: BTreeMap::new(),
    };
    let parses = |text: &str| crate::syntax::parse(text).errors.is_empty();
    let parsed_before = parses(source);
    for _ in 0..MAX_ROUNDS {
        let report = lint(&out.text, options, context);
        let (text, fixed) = apply(&out.text, &report.diagnostics);
        if fixed.is_empty() {
            break;
        }
        if parsed_before && !parses(&text) {
            let first = crate::syntax::parse(&text)
                .errors
                .first()
                .map(|e| e.to_string());
            return Err(FixError::Breaks {
                rules: fixed.keys().copied().collect::<Vec<_>>().join(", "),
                message: first.unwrap_or_default(),
            });
        }
        for (code, n) in fixed {
            *out.fixed.entry(code).or_default() += n;
        }
        out.text = text;
    }
    Ok(out)
}

/// Applies the fixes of `diagnostics` that fit together to `source`: the new text and
/// how many findings each rule had fixed.
pub fn apply(source: &str, diagnostics: &[Diagnostic]) -> (String, BTreeMap<&'static str, usize>) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut fixed: BTreeMap<&'static str, usize> = BTreeMap::new();
    for d in diagnostics {
        let Some(edits) = &d.fix else { continue };
        let valid = edits.iter().all(|e| {
            source.get(e.span.start as usize..e.span.end as usize) == Some(e.expect.as_str())
        });
        if !valid || edits.is_empty() {
            continue;
        }
        let fresh: Vec<&Edit> = edits.iter().filter(|e| !taken.contains(e)).collect();
        let clashes = fresh.iter().any(|e| {
            taken.iter().any(|t| {
                e.span.start < t.span.end.max(t.span.start + 1)
                    && t.span.start < e.span.end.max(e.span.start + 1)
            })
        });
        if clashes {
            continue;
        }
        taken.extend(fresh);
        *fixed.entry(d.code).or_default() += 1;
    }
    taken.sort_by_key(|e| e.span.start);
    let mut text = String::with_capacity(source.len());
    let mut at = 0usize;
    for e in taken {
        text.push_str(&source[at..e.span.start as usize]);
        text.push_str(&e.text);
        at = e.span.end as usize;
    }
    text.push_str(&source[at..]);
    (text, fixed)
}
