//! BuildKit's parser dump (`Node.Dump`): one `(keyword ["flags"] "arg" ...)` line per
//! instruction, strings quoted the way Go's `strconv.Quote` quotes them.
//!
//! This is the format of BuildKit's parser testfiles (`result`); `dfc parse --format
//! buildkit` prints it. Heredoc bodies, comments and directives are not part of it.

use super::node::{Node, ParsedFile};

/// The whole file, with the final newline BuildKit's golden files have.
pub fn dump_file(file: &ParsedFile) -> String {
    let mut out = String::new();
    for node in &file.nodes {
        out.push('(');
        out.push_str(&dump_node(node));
        out.push_str(")\n");
    }
    let mut s = out.trim_matches(char::is_whitespace).to_string();
    s.push('\n');
    s
}

/// One instruction, without the surrounding parentheses.
pub fn dump_node(node: &Node) -> String {
    let mut s = node.keyword.to_lowercase();
    if !node.flags.is_empty() {
        s.push_str(" [");
        for (i, f) in node.flags.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&go_quote(&f.text));
        }
        s.push(']');
    }
    if let Some(sub) = &node.sub {
        s.push_str(" (");
        s.push_str(&dump_node(sub));
        s.push(')');
    }
    for a in &node.args {
        s.push(' ');
        s.push_str(&go_quote(&a.value));
    }
    s.trim_matches(char::is_whitespace).to_string()
}

/// Go's `strconv.Quote`, as `%q` prints strings.
pub use crate::shell::go_quote;

#[cfg(test)]
mod tests {
    use super::go_quote;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(go_quote("\u{0}"), r#""\x00""#);
        assert_eq!(go_quote("♥"), "\"♥\"");
        assert_eq!(go_quote("\u{a0}"), r#""\u00a0""#);
        assert_eq!(go_quote("\u{7f}"), r#""\x7f""#);
    }
}
