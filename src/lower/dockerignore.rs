//! `.dockerignore` files read as BuildKit's `dockerignore.ReadAll` does: `#` comment
//! lines and blank lines skipped, patterns trimmed and cleaned, a leading `/` dropped,
//! `!` exceptions kept. The result becomes the context source's exclude patterns.

use super::paths;

/// The patterns of a `.dockerignore` text, in file order.
pub fn parse(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut p = String::new();
        if !pattern.is_empty() {
            p = paths::clean(pattern);
            if p.len() > 1 && p.starts_with('/') {
                p.remove(0);
            }
        }
        out.push(if invert { format!("!{p}") } else { p });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_like_buildkit() {
        let got = super::parse("# c\n\n /a/b/ \n!c/../d\nnode_modules\n");
        assert_eq!(got, vec!["a/b", "!d", "node_modules"]);
    }
}
