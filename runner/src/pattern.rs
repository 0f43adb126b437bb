//! Path patterns: Go's `filepath.Match` (COPY and rm wildcards) and the
//! dockerignore-style matcher of include/exclude patterns (`**` spans
//! directories, `!` re-includes, the last matching pattern wins, a pattern
//! matching a directory covers everything under it).

/// A malformed pattern (unclosed `[`, trailing `\`, bad range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("syntax error in pattern {0:?}")]
pub struct BadPattern(pub String);

/// Whether the pattern has wildcard characters Go's `filepath.Match` treats
/// specially.
pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Go's `filepath.Match` on one path (`/` separates, `*` and `?` never match
/// it). Errors on malformed patterns, as Go does.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let bad = || BadPattern(pattern.to_string());
    match_from(&p, &n).ok_or_else(bad)
}

/// `None` on a malformed pattern.
fn match_from(p: &[char], n: &[char]) -> Option<bool> {
    let (mut pi, mut ni) = (0, 0);
    // Backtracking point for the last `*`: (pattern index after *, name index).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    pi += 1;
                    star = Some((pi, ni));
                    continue;
                }
                c if ni < n.len() => {
                    let (ok, next) = match c {
                        '?' => (n[ni] != '/', pi + 1),
                        '[' => {
                            let (ok, next) = class(p, pi + 1, n[ni])?;
                            (ok && n[ni] != '/', next)
                        }
                        '\\' => {
                            let e = *p.get(pi + 1)?;
                            (e == n[ni], pi + 2)
                        }
                        c => (c == n[ni], pi + 1),
                    };
                    if ok {
                        pi = next;
                        ni += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if ni == n.len() {
            return Some(true);
        }
        // Mismatch: let the last `*` eat one more (non-separator) char.
        match star {
            Some((sp, sn)) if sn < n.len() && n[sn] != '/' => {
                star = Some((sp, sn + 1));
                pi = sp;
                ni = sn + 1;
            }
            _ => {
                // Go validates the rest of the pattern before answering false.
                validate(&p[pi.min(p.len())..])?;
                return Some(false);
            }
        }
    }
}

fn validate(p: &[char]) -> Option<()> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => i = class(p, i + 1, '\0')?.1,
            '\\' => {
                p.get(i + 1)?;
                i += 2;
            }
            _ => i += 1,
        }
    }
    Some(())
}

/// Matches `c` against the class starting after `[` at `i`; returns the
/// answer and the index after `]`.
fn class(p: &[char], mut i: usize, c: char) -> Option<(bool, usize)> {
    let negate = p.get(i) == Some(&'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let lo = *p.get(i)?;
        if lo == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let lo = if lo == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            lo
        };
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&x| x != ']') {
            hi = p[i + 1];
            i += 2;
            if hi == '\\' {
                hi = *p.get(i)?;
                i += 1;
            }
            if hi < lo {
                return None;
            }
        }
        if lo <= c && c <= hi {
            matched = true;
        }
    }
}

/// One include/exclude pattern, split into path segments.
#[derive(Debug, Clone)]
struct Rule {
    negate: bool,
    segments: Vec<String>,
}

/// dockerignore-style patterns.
#[derive(Debug, Clone, Default)]
pub struct PatternSet {
    rules: Vec<Rule>,
}

impl PatternSet {
    /// Parses patterns (cleaned like paths; `!` negates). Empty ones are skipped.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<PatternSet, BadPattern> {
        let mut rules = Vec::new();
        for raw in patterns {
            let raw = raw.as_ref().trim();
            let (negate, body) = match raw.strip_prefix('!') {
                Some(b) => (true, b),
                None => (false, raw),
            };
            let segments = crate::fsutil::clean_components(body);
            if segments.is_empty() {
                continue;
            }
            for s in &segments {
                if s != "**" {
                    validate(&s.chars().collect::<Vec<_>>())
                        .ok_or_else(|| BadPattern(raw.to_string()))?;
                }
            }
            rules.push(Rule { negate, segments });
        }
        Ok(PatternSet { rules })
    }

    /// Whether no pattern was given.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether `path` (relative, `/`-separated) is matched: the last rule
    /// that matches it or one of its parents decides.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut result = false;
        for r in &self.rules {
            let hit = (1..=parts.len()).any(|k| segs_match(&r.segments, &parts[..k]));
            if hit {
                result = !r.negate;
            }
        }
        result
    }

    /// Whether something under directory `dir` could match a rule (so an
    /// include walk must descend into it).
    pub fn may_match_under(&self, dir: &str) -> bool {
        let parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
        self.rules
            .iter()
            .any(|r| !r.negate && prefix_could_match(&r.segments, &parts))
    }
}

fn seg_match(p: &str, s: &str) -> bool {
    glob_match(p, s).unwrap_or(false)
}

fn segs_match(p: &[String], s: &[&str]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((first, rest)) if first == "**" => (0..=s.len()).any(|k| segs_match(rest, &s[k..])),
        Some((first, rest)) => match s.split_first() {
            Some((h, t)) => seg_match(first, h) && segs_match(rest, t),
            None => false,
        },
    }
}

fn prefix_could_match(p: &[String], s: &[&str]) -> bool {
    match (p.split_first(), s.split_first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some((first, _)), Some(_)) if first == "**" => true,
        (Some((first, rest)), Some((h, t))) => seg_match(first, h) && prefix_could_match(rest, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_table() {
        // Cases from Go's path/filepath match_test.go.
        let cases = [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a[^a]b", "a☺b", true),
            ("a???b", "a☺b", false),
            ("*x", "xxx", true),
        ];
        for (p, n, want) in cases {
            assert_eq!(glob_match(p, n), Ok(want), "{p} vs {n}");
        }
        for bad in ["[", "[^", "[-", "a[", "\\", "[a-"] {
            assert!(glob_match(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn dockerignore_rules() {
        let s = PatternSet::new(&["**/*.log", "!keep.log", "build"]).unwrap();
        assert!(s.matches("a/b/c.log"));
        assert!(!s.matches("keep.log"));
        assert!(s.matches("build/x/y"));
        assert!(!s.matches("src/main.rs"));
        assert!(s.may_match_under("a/b"));
    }
}
