//! Instruction arguments as hadolint's Dockerfile parser (language-docker) reads them,
//! where that differs from BuildKit's reading kept in [`Node`](crate::syntax::Node):
//! COPY/ADD sources keep their quotes, a `--from` value is taken as written, ENV/LABEL
//! keys and values lose their quotes, `ARG` names one variable.
//!
//! It does not validate: a file language-docker would refuse is read as well as it can be.

use super::{File, Instr};

/// `Text.dropAround` of `"` and `'`: every quote at either end removed.
pub fn drop_quotes(text: &str) -> &str {
    text.trim_matches(['"', '\''])
}

/// The file name extensions hadolint takes for archives.
const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

/// A path hadolint takes for an archive (by its extension, quotes ignored).
pub fn is_archive(path: &str) -> bool {
    let path = drop_quotes(path);
    ARCHIVE_EXTENSIONS.iter().any(|e| path.ends_with(e))
}

/// The sources and the destination of a COPY or ADD.
pub struct CopyArgs<'a> {
    pub sources: Vec<&'a str>,
    pub target: &'a str,
}

/// The sources and destination of `instr` (a COPY or ADD), `None` with fewer than two
/// arguments. Here-document sources are the marker words (`<<EOF`).
pub fn copy_args<'a>(instr: &'a Instr<'_>) -> Option<CopyArgs<'a>> {
    let args = &instr.node.args;
    let (target, sources) = args.split_last()?;
    if sources.is_empty() {
        return None;
    }
    Some(CopyArgs {
        sources: sources.iter().map(|a| a.value.as_str()).collect(),
        target: &target.value,
    })
}

/// The value of `--from=` on a COPY as written in the file (quotes kept).
pub fn copy_from<'a>(file: &'a File<'_>, instr: &Instr<'_>) -> Option<&'a str> {
    let flag = instr.node.flags.iter().find(|f| f.name() == "from")?;
    let raw = file
        .source
        .get(flag.span.start as usize..flag.span.end as usize)?;
    let value = raw.split_once('=').map_or("", |(_, v)| v);
    Some(value)
}

/// The `key=value` pairs of an ENV or LABEL. In the `key=value` form both lose their
/// quotes (language-docker's `singleValue`); the legacy `ENV key value words` form keeps
/// the value as written.
pub fn pairs(instr: &Instr<'_>) -> Vec<(String, String)> {
    instr
        .node
        .args
        .chunks(3)
        .filter(|c| c.len() >= 2)
        .map(|c| {
            let legacy = c.get(2).is_some_and(|s| s.value != "=");
            let value = if legacy {
                c[1].value.clone()
            } else {
                remove_quotes(&c[1].value)
            };
            (remove_quotes(&c[0].value), value)
        })
        .collect()
}

/// The one variable an `ARG` declares (language-docker reads `ARG A=1 B=2` as `A`).
pub fn arg_name<'a>(instr: &'a Instr<'_>) -> Option<&'a str> {
    let first = instr.node.args.first()?;
    first.value.split('=').next().filter(|n| !n.is_empty())
}

/// Whether hadolint's parser reads `instr` in exec form: its arguments are `[`, strings
/// separated by commas, `]`. Its string reader is not JSON's: a lone `\\"` is a quote and
/// any other backslash is kept (so `"\\q"` is fine), but a run of two or more backslashes
/// before a `"` (`"a\\\\"`) cannot be read, and the list is then the shell form.
pub fn exec_form(file: &File<'_>, instr: &Instr<'_>) -> bool {
    let rest = instr.rest();
    let text = file
        .source
        .get(rest.start as usize..rest.end as usize)
        .unwrap_or("");
    let text = text.trim();
    // `HEALTHCHECK CMD [...]`: the list follows the `CMD` word.
    let text = match instr.keyword.as_str() {
        "healthcheck" => text.get(3..).unwrap_or("").trim_start(),
        _ => text,
    };
    let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return false;
    };
    let mut chars = inner.chars().peekable();
    let mut expect_string = true;
    let mut strings = 0;
    loop {
        // Blanks and line continuations between the elements.
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '\\' {
                chars.next();
            } else {
                break;
            }
        }
        match chars.next() {
            None => return !expect_string || strings == 0,
            Some('"') if expect_string => {
                let mut backslashes = 0usize;
                loop {
                    match chars.next() {
                        None => return false,
                        Some('\\') => backslashes += 1,
                        Some('"') if backslashes == 1 => backslashes = 0,
                        Some('"') if backslashes == 0 => break,
                        Some('"') => return false,
                        Some(_) => backslashes = 0,
                    }
                }
                strings += 1;
                expect_string = false;
            }
            Some(',') if !expect_string => expect_string = true,
            Some(_) => return false,
        }
    }
}

/// Quote removal of a word made of quoted and unquoted pieces (`"a"b'c'` → `abc`); inside
/// quotes only an escaped quote loses its backslash, outside an escaped blank does.
fn remove_quotes(word: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), '\\') if chars.peek() == Some(&q) => {
                out.push(q);
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '\\') if matches!(chars.peek(), Some(' ' | '\t')) => {
                out.extend(chars.next());
            }
            (_, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{drop_quotes, remove_quotes};

    #[test]
    fn quotes_are_removed_as_language_docker_does() {
        assert_eq!(remove_quotes(r#""a b""#), "a b");
        assert_eq!(remove_quotes(r#""a"b'c'"#), "abc");
        assert_eq!(remove_quotes(r#""say \"hi\"""#), r#"say "hi""#);
        assert_eq!(remove_quotes(r"a\ b"), "a b");
        assert_eq!(remove_quotes(r"a\nb"), r"a\nb");
        assert_eq!(drop_quotes(r#""/dst/""#), "/dst/");
        assert_eq!(drop_quotes(r#"'"x"'"#), "x");
    }
}
