//! Heredocs: finding `<<EOF` markers among an instruction's words and reading the bodies
//! that follow the instruction.
//!
//! A marker is a word (split by the shell lexer with quotes and escapes kept) of the form
//! `[fd]<<[-]name`. The name is the word with quotes removed; quoting any part of it turns
//! variable expansion in the body off. Bodies are read in marker order, each up to a line
//! equal to its name (after stripping leading tabs for `<<-`).

use crate::shell::{Env, Lexer};

use super::node::Heredoc;
use super::span::Span;

/// A marker found on the instruction line, before its body is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub name: String,
    pub file_descriptor: u32,
    pub expand: bool,
    pub chomp: bool,
}

struct NoEnv;

impl Env for NoEnv {
    fn get(&self, _name: &str) -> Option<&str> {
        None
    }
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The heredoc markers of an instruction line, in order. Heredoc words are always read
/// with `\` as the escape character, whatever `# escape=` says, as BuildKit does.
pub fn markers(line: &str) -> Result<Vec<Marker>, String> {
    let mut lexer = Lexer::new('\\');
    lexer.raw_quotes = true;
    lexer.raw_escapes = true;
    lexer.skip_unset_env = true;
    // A line the lexer cannot read (say, an unclosed quote) has no heredocs.
    let words = lexer.process_words(line, &NoEnv).unwrap_or_default();
    let mut out = Vec::new();
    for word in words {
        if let Some(m) = parse_marker(&word)? {
            out.push(m);
        }
    }
    Ok(out)
}

/// `[digits]<<[-][white space]name` where name holds no `<`.
pub fn parse_marker(word: &str) -> Result<Option<Marker>, String> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some(after) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    let rest = after.trim_start_matches(['\t', '\n', '\x0C', '\r', ' ']);
    if rest.is_empty() || rest.contains('<') {
        return Ok(None);
    }
    let file_descriptor = word[..digits].parse::<u32>().unwrap_or(0);

    let mut lexer = Lexer::new('\\');
    lexer.skip_unset_env = true;
    let words = lexer
        .process_words(rest, &NoEnv)
        .map_err(|e| e.to_string())?;
    if words.len() != 1 {
        return Ok(None);
    }
    lexer.raw_quotes = true;
    let raw_words = lexer
        .process_words(rest, &NoEnv)
        .map_err(|e| e.to_string())?;
    if raw_words.len() != words.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.matches(['\'', '"']).count();
    let expand = quotes(&words[0]) == quotes(&raw_words[0]);
    Ok(Some(Marker {
        name: words.into_iter().next().unwrap_or_default(),
        file_descriptor,
        expand,
        chomp,
    }))
}

/// Reads the body of `marker` from `src[pos..]`: the heredoc and the offset after its
/// terminator line, or the marker's name when the file ends first.
pub fn read_body(src: &str, pos: usize, marker: Marker) -> Result<(Heredoc, usize), String> {
    let mut at = pos;
    while at < src.len() {
        let line_end = src[at..].find('\n').map_or(src.len(), |i| at + i + 1);
        let line = &src[at..line_end];
        let mut candidate = line.trim_end_matches(['\r', '\n']);
        if marker.chomp {
            candidate = candidate.trim_start_matches('\t');
        }
        if candidate == marker.name {
            let term_end = at + line.trim_end_matches(['\r', '\n']).len();
            return Ok((
                Heredoc {
                    name: marker.name,
                    file_descriptor: marker.file_descriptor,
                    expand: marker.expand,
                    chomp: marker.chomp,
                    content: src[pos..at].to_string(),
                    span: Span::new(pos, term_end),
                },
                line_end,
            ));
        }
        at = line_end;
    }
    Err(marker.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_forms() {
        let m = parse_marker("<<EOF").unwrap().unwrap();
        assert_eq!((m.name.as_str(), m.expand, m.chomp), ("EOF", true, false));
        let m = parse_marker("<<-\"EOT\"").unwrap().unwrap();
        assert_eq!((m.name.as_str(), m.expand, m.chomp), ("EOT", false, true));
        let m = parse_marker("3<<'E'OF").unwrap().unwrap();
        assert_eq!(
            (m.name.as_str(), m.file_descriptor, m.expand),
            ("EOF", 3, false)
        );
        assert_eq!(parse_marker("<<").unwrap(), None);
        assert_eq!(parse_marker("a<<EOF").unwrap(), None);
        assert_eq!(parse_marker("<<<EOF").unwrap(), None);
    }

    #[test]
    fn words_as_copy_sources() {
        let word = |s: &str| {
            parse_marker(s)
                .ok()
                .flatten()
                .map(|m| (m.name, m.chomp, m.expand))
        };
        let some = |n: &str, chomp, expand| Some((n.to_string(), chomp, expand));
        assert_eq!(word("<<-EOF"), some("EOF", true, true));
        assert_eq!(word("<<'E O'"), some("E O", false, false));
        assert_eq!(word("<<E\\OF"), some("EOF", false, true));
        assert_eq!(word("<<$X"), some("$X", false, true));
        for not_heredoc in [
            "file.txt", "<<-", "<<A<B", "<<\"EOF", "<<EOF x", "<<\"\"", "<<${X",
        ] {
            assert_eq!(word(not_heredoc), None, "{not_heredoc}");
        }
    }

    #[test]
    fn markers_on_a_line() {
        let ms = markers("COPY <<EOF1 <<\"EOF2\" /dst/").unwrap();
        let names: Vec<_> = ms.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["EOF1", "EOF2"]);
        assert!(markers("RUN echo '<<EOF'").unwrap().is_empty());
    }

    #[test]
    fn bodies() {
        let src = "a\n\tb\n\tEOF\nnext";
        let m = Marker {
            name: "EOF".into(),
            file_descriptor: 0,
            expand: true,
            chomp: true,
        };
        let (doc, next) = read_body(src, 0, m.clone()).unwrap();
        assert_eq!(doc.content, "a\n\tb\n");
        assert_eq!(&src[next..], "next");
        let unchomped = Marker { chomp: false, ..m };
        assert_eq!(read_body(src, 0, unchomped), Err("EOF".to_string()));
    }
}
