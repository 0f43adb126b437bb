//! LABEL pairs as hadolint reads them, and the shared check of the label-schema format
//! rules (DL3052–DL3056, DL3058): a schema label of one type whose value does not parse.

use crate::lint::rule::Rule;
use crate::lint::settings::LabelType;
use crate::syntax::Span;

use super::{File, Instr, Out};

/// One `key=value` of a LABEL as hadolint reads it: quotes removed from key and value,
/// `\"` unescaped inside double quotes, every other backslash kept.
pub struct LabelPair {
    pub key: String,
    pub value: String,
    /// The value as written (the key when the value is empty).
    pub span: Span,
}

/// The pairs of a LABEL node (its args are key, value, separator triples).
pub fn label_pairs(instr: &Instr<'_>) -> Vec<LabelPair> {
    instr
        .node
        .args
        .chunks(3)
        .filter(|c| c.len() >= 2)
        .map(|c| LabelPair {
            key: unquote_escaped(&c[0].value),
            value: unquote_escaped(&c[1].value),
            span: if c[1].span.is_empty() {
                c[0].span
            } else {
                c[1].span
            },
        })
        .collect()
}

/// Quote removal of one word as hadolint's parser does it: `"a\"b"` → `a"b`, `'a b'` →
/// `a b`; a backslash before anything but `"` in double quotes stays (`a\$b` → `a\$b`).
fn unquote_escaped(text: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (Some('"'), '\\') if chars.peek() == Some(&'"') => {
                out.push('"');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Reports `rule` once per LABEL instruction and schema label of type `ty` that has a
/// value `valid` refuses; `message` words it for the label's name.
pub fn check_format(
    file: &File<'_>,
    out: &mut Out<'_, '_>,
    rule: &'static Rule,
    ty: LabelType,
    valid: fn(&str) -> bool,
    message: fn(&str) -> String,
) {
    let names: Vec<String> = out
        .settings()
        .label_schema
        .iter()
        .filter(|(_, t)| **t == ty)
        .map(|(n, _)| n.clone())
        .collect();
    if names.is_empty() {
        return;
    }
    for i in file.instrs.iter().filter(|i| i.is("label")) {
        let pairs = label_pairs(i);
        for name in &names {
            if let Some(bad) = pairs.iter().find(|p| &p.key == name && !valid(&p.value)) {
                out.report_message(rule, i, bad.span, "value not valid", message(name));
            }
        }
    }
}
