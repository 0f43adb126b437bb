//! DL3053: Flags a LABEL whose value for a `rfc3339` label of the configured label schema
//! is not an RFC 3339 date and time (`2024-05-01T12:00:00Z`).

use crate::lint::hadolint::labels::check_format;
use crate::lint::hadolint::{File, Out};
use crate::lint::rules::hadolint::hadolint_rule;
use crate::lint::settings::LabelType;

pub const RULE: crate::lint::rule::Rule = hadolint_rule!(
    "DL3053",
    Warning,
    "Label `<label>` is not a valid time format - must conform to RFC3339.",
    DOC
);

const DOC: &str = "\
## What it does
Flags a `LABEL` that gives a label of type `rfc3339` in the label schema a value that is not
an RFC 3339 date and time (`2024-05-01T12:00:00Z`). Off until the schema names such a label.

## Configuration
```yaml
label-schema:
  org.opencontainers.image.created: rfc3339
```

## Why is this bad?
Tools parse the creation time; another format breaks them.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created=\"2024-05-01 12:00\"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created=\"2024-05-01T12:00:00Z\"
```
";

pub fn check(file: &File<'_>, out: &mut Out<'_, '_>) {
    check_format(file, out, &RULE, LabelType::Rfc3339, valid, |label| {
        format!("Label `{label}` is not a valid time format - must conform to RFC3339.")
    });
}

/// `date "T" time offset` as Haskell's `parseTimeRFC3339` accepts it: blanks around,
/// `T`/`Z` in any case, any number of year digits, a real calendar date, seconds up to
/// 60, an optional fraction (`.` alone too), `Z` or `±HH:MM` / `±HHMM`.
fn valid(text: &str) -> bool {
    let t = text.trim().as_bytes();
    let mut p = 0;
    let digits = |p: &mut usize, n: Option<usize>| -> Option<u32> {
        let start = *p;
        while *p < t.len() && t[*p].is_ascii_digit() && n.map_or(true, |n| *p - start < n) {
            *p += 1;
        }
        let len = *p - start;
        if len == 0 || n.is_some_and(|n| len != n) {
            return None;
        }
        std::str::from_utf8(&t[start..*p]).ok()?.parse().ok()
    };
    let lit = |p: &mut usize, c: &[u8]| -> bool {
        if *p < t.len() && c.contains(&t[*p]) {
            *p += 1;
            true
        } else {
            false
        }
    };
    let negative = lit(&mut p, b"-");
    let Some(year) = digits(&mut p, None).map(i64::from) else {
        return false;
    };
    let year = if negative { -year } else { year };
    if !lit(&mut p, b"-") {
        return false;
    }
    let Some(month) = digits(&mut p, Some(2)) else {
        return false;
    };
    if !lit(&mut p, b"-") {
        return false;
    }
    let Some(day) = digits(&mut p, Some(2)) else {
        return false;
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    if !lit(&mut p, b"Tt") {
        return false;
    }
    let (Some(h), true, Some(m), true, Some(s)) = (
        digits(&mut p, Some(2)),
        lit(&mut p, b":"),
        digits(&mut p, Some(2)),
        lit(&mut p, b":"),
        digits(&mut p, Some(2)),
    ) else {
        return false;
    };
    if h > 23 || m > 59 || s > 60 {
        return false;
    }
    if lit(&mut p, b".") {
        while p < t.len() && t[p].is_ascii_digit() {
            p += 1;
        }
    }
    if lit(&mut p, b"Zz") {
        return p == t.len();
    }
    if !lit(&mut p, b"+-") || digits(&mut p, Some(2)).is_none() {
        return false;
    }
    lit(&mut p, b":");
    digits(&mut p, Some(2)).is_some() && p == t.len()
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
