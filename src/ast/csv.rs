//! One CSV record, split as go-csvvalue's `Fields` does (used by `--mount` and `--device`).
//!
//! Fields are separated by `,`. A field starting with `"` is quoted: it runs to the next
//! lone `"`, `""` inside it stands for one quote, and the closing quote must be followed by
//! `,` or the end. A `"` inside an unquoted field is an error. Leading spaces are kept. An
//! empty input (after dropping one trailing newline) is an error (`EOF`). Errors are worded
//! as Go's `encoding/csv` `ParseError`, with the byte column.

use std::fmt;

/// A field's text and the byte range of its raw form (quotes included) in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvField {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsvError {
    /// Nothing to parse.
    Eof,
    /// `"` in an unquoted field, at this 1-based byte column.
    BareQuote(usize),
    /// A quoted field not closed properly, at this 1-based byte column.
    Quote(usize),
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::Eof => write!(f, "EOF"),
            CsvError::BareQuote(col) => write!(
                f,
                "parse error on line 1, column {col}: bare \" in non-quoted-field"
            ),
            CsvError::Quote(col) => write!(
                f,
                "parse error on line 1, column {col}: extraneous or missing \" in quoted-field"
            ),
        }
    }
}

pub fn fields(input: &str) -> Result<Vec<CsvField>, CsvError> {
    let line = input
        .strip_suffix("\r\n")
        .or_else(|| input.strip_suffix('\n'))
        .unwrap_or(input);
    if line.is_empty() {
        return Err(CsvError::Eof);
    }
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        if pos >= bytes.len() || bytes[pos] != b'"' {
            // Unquoted field.
            let end = line[pos..].find(',').map_or(line.len(), |i| pos + i);
            if let Some(j) = line[pos..end].find('"') {
                return Err(CsvError::BareQuote(pos + j + 1));
            }
            out.push(CsvField {
                text: line[pos..end].to_string(),
                start: pos,
                end,
            });
            if end == line.len() {
                return Ok(out);
            }
            pos = end + 1;
            continue;
        }
        // Quoted field.
        let start = pos;
        pos += 1;
        let mut text = String::new();
        loop {
            let Some(i) = line[pos..].find('"') else {
                return Err(CsvError::Quote(pos + 1));
            };
            text.push_str(&line[pos..pos + i]);
            pos += i + 1;
            match bytes.get(pos) {
                Some(b'"') => {
                    text.push('"');
                    pos += 1;
                }
                Some(b',') => {
                    out.push(CsvField {
                        text,
                        start,
                        end: pos,
                    });
                    pos += 1;
                    break;
                }
                None => {
                    out.push(CsvField {
                        text,
                        start,
                        end: pos,
                    });
                    return Ok(out);
                }
                Some(_) => return Err(CsvError::Quote(pos)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        match fields(input) {
            Ok(f) => f.into_iter().map(|f| f.text).collect(),
            Err(e) => panic!("{input:?} failed: {e}"),
        }
    }

    #[test]
    fn splits_like_go_csvvalue() {
        assert_eq!(texts("foo,bar,baz"), ["foo", "bar", "baz"]);
        assert_eq!(texts("foo,bar\n"), ["foo", "bar"]);
        assert_eq!(texts(" "), [" "]);
        assert_eq!(texts("a,\"b,cc ,ddd\",e"), ["a", "b,cc ,ddd", "e"]);
        assert_eq!(texts("\"\""), [""]);
        assert_eq!(texts("a,\"foo\"\"\",c"), ["a", "foo\"", "c"]);
        assert_eq!(texts("a,,b"), ["a", "", "b"]);
        assert_eq!(texts("a,b,"), ["a", "b", ""]);
        assert_eq!(texts(",a"), ["", "a"]);
        assert_eq!(
            texts("type=secret,\"id=a,b\",target=/x"),
            ["type=secret", "id=a,b", "target=/x"]
        );
    }

    #[test]
    fn raw_ranges() {
        let f = fields("a=1,\"b=2\",c").unwrap_or_default();
        let ranges: Vec<_> = f.iter().map(|f| (f.start, f.end)).collect();
        assert_eq!(ranges, [(0, 3), (4, 9), (10, 11)]);
    }

    #[test]
    fn errors_with_go_columns() {
        assert_eq!(fields(""), Err(CsvError::Eof));
        assert_eq!(fields("\n"), Err(CsvError::Eof));
        assert_eq!(fields("\""), Err(CsvError::Quote(2)));
        assert_eq!(fields("\"\"\""), Err(CsvError::Quote(4)));
        assert_eq!(fields("foo,aa\"bb,cc"), Err(CsvError::BareQuote(7)));
        assert_eq!(fields("a\"\"b,c"), Err(CsvError::BareQuote(2)));
        assert_eq!(fields("\"a word\",b\""), Err(CsvError::BareQuote(11)));
        assert_eq!(fields("\"a \"word\",\"b\""), Err(CsvError::Quote(4)));
        assert_eq!(
            CsvError::Quote(4).to_string(),
            "parse error on line 1, column 4: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            CsvError::BareQuote(2).to_string(),
            "parse error on line 1, column 2: bare \" in non-quoted-field"
        );
    }
}
