//! `.dockerignore` matching for CopyIgnoredFile: patterns cleaned as BuildKit cleans
//! them, `*`, `?`, `[...]` within a path segment and `**` across segments.

/// The patterns of one `.dockerignore`.
#[derive(Clone, Debug, Default)]
pub struct IgnoreMatcher {
    patterns: Vec<String>,
    has_exclusions: bool,
}

impl IgnoreMatcher {
    /// Reads `.dockerignore` text: one pattern a line, `#` comments, blank lines skipped.
    pub fn parse(text: &str) -> IgnoreMatcher {
        let mut m = IgnoreMatcher::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('!') {
                m.has_exclusions = true;
                continue;
            }
            m.patterns.push(clean(line));
        }
        m
    }

    /// The cleaned source path when `source` or a parent directory of it is ignored.
    /// Always `None` when the file has `!` exclusions (BuildKit skips the check then).
    pub fn ignored(&self, source: &str) -> Option<String> {
        if self.has_exclusions || self.patterns.is_empty() {
            return None;
        }
        let path = clean(source);
        if path == "." || path.is_empty() {
            let root = self
                .patterns
                .iter()
                .any(|p| p == "*" || p == "**" || p == "**/*");
            return root.then_some(path);
        }
        let segments: Vec<&str> = path.split('/').collect();
        for n in 1..=segments.len() {
            let prefix = segments[..n].join("/");
            if self.patterns.iter().any(|p| glob(p, &prefix)) {
                return Some(path);
            }
        }
        None
    }
}

/// Lexical path cleaning (Go's `filepath.Clean`), without a leading `/`.
fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

/// Whether `pattern` matches the whole of `path`.
fn glob(pattern: &str, path: &str) -> bool {
    glob_bytes(pattern.as_bytes(), path.as_bytes())
}

fn glob_bytes(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
            (0..=s.len()).any(|i| {
                (i == 0 || s[i - 1] == b'/' || rest.is_empty()) && glob_bytes(rest, &s[i..])
            })
        }
        Some(b'*') => (0..=s.len())
            .take_while(|&i| i == 0 || s[i - 1] != b'/')
            .any(|i| glob_bytes(&p[1..], &s[i..])),
        Some(b'?') => s.first().is_some_and(|&c| c != b'/') && glob_bytes(&p[1..], &s[1..]),
        Some(b'[') => match (p.iter().position(|&c| c == b']'), s.first()) {
            (Some(end), Some(&c)) if c != b'/' => {
                let class = &p[1..end];
                let (negate, class) = match class.first() {
                    Some(b'^') | Some(b'!') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == b'-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != negate && glob_bytes(&p[end + 1..], &s[1..])
            }
            _ => false,
        },
        Some(b'\\') if p.len() > 1 => s.first() == Some(&p[1]) && glob_bytes(&p[2..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && glob_bytes(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_dockerignore() {
        let m = IgnoreMatcher::parse("*/tmp/*\nnode_modules\n");
        assert_eq!(m.ignored("./tmp/x.txt"), None);
        assert_eq!(m.ignored("a/tmp/x.txt"), Some("a/tmp/x.txt".into()));
        assert_eq!(m.ignored("node_modules/x"), Some("node_modules/x".into()));
        assert!(IgnoreMatcher::parse("*\n!keep").ignored("a").is_none());
        assert!(IgnoreMatcher::parse("**/*.log")
            .ignored("x/y.log")
            .is_some());
    }
}
