//! DL3058: Flags a LABEL whose value for a `email` label of the configured label schema
//! is not an RFC 5322 address `local@domain`, without a display name.

use crate::lint::hadolint::labels::check_format;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use crate::lint::settings::LabelType;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3058",
    Warning,
    "Label `<label>` is not a valid email format - must conform to RFC5322.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `LABEL` that gives a label of type `email` in the label schema a value that is not
an RFC 5322 address `local@domain`, without a display name. Off until the schema names such a label.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.authors: email
```

## Why is this bad?
Tools that contact the author read the label as a bare address.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.authors=\"jane@example.com\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    check_format(file, out, &RULE, LabelType::Email, valid, |label| {
        format!("Label `{label}` is not a valid email format - must conform to RFC5322.")
    });
}

/// An RFC 5322 `addr-spec` as Haskell's `email-validate` reads it: a dot-atom or
/// quoted-string local part, `@`, a host name (labels of letters, digits and inner `-`,
/// an optional final `.`) or a `[…]` literal; comments `(…)` and blanks around the parts,
/// blanks around the dots (RFC 5322's obsolete forms).
fn valid(text: &str) -> bool {
    let Some(at) = text.rfind('@') else {
        return false;
    };
    let (local, domain) = (cfws_trim(&text[..at]), cfws_trim(&text[at + 1..]));
    let (Some(local), Some(domain)) = (local, domain) else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        inner
            .chars()
            .all(|c| c.is_ascii() && c != '"' && c != '\\' && (c == ' ' || !c.is_ascii_control()))
    } else {
        !local.is_empty()
            && local.split('.').all(|a| {
                let a = a.trim_matches([' ', '\t']);
                !a.is_empty() && a.chars().all(atext)
            })
    };
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') && domain.len() >= 2 {
        domain[1..domain.len() - 1]
            .chars()
            .all(|c| c.is_ascii_graphic() && !"[]\\".contains(c))
    } else {
        let host = domain.strip_suffix('.').unwrap_or(domain);
        !host.is_empty()
            && host.split('.').all(|l| {
                let l = l.trim_matches([' ', '\t']);
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    local_ok && domain_ok
}

/// `text` without blanks and `(comments)` at either end; `None` when a comment is open.
fn cfws_trim(text: &str) -> Option<&str> {
    let mut t = text.trim();
    loop {
        if t.starts_with('(') {
            t = t[t.find(')')? + 1..].trim_start();
        } else if t.ends_with(')') {
            t = t[..t.rfind('(')?].trim_end();
        } else {
            return Some(t);
        }
    }
}
