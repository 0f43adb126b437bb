//! Slash-separated path helpers with Go's `path` package semantics (`Clean`, `Join`,
//! `Base`), which BuildKit applies to every path it puts into LLB.

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Join`: non-empty elements joined with `/`, then cleaned; `""` if all empty.
pub fn join(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        return String::new();
    }
    clean(&kept.join("/"))
}

/// Go's `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// BuildKit's `system.NormalizePath(parent, p, "linux", keepSlash)`: `p` made absolute
/// against `parent` and cleaned; with `keep_slash`, a trailing `/` or `/.` survives.
pub fn normalize(parent: &str, p: &str, keep_slash: bool) -> String {
    let orig = p;
    let mut out = clean(p);
    if !out.starts_with('/') {
        out = join(&["/", parent, &out]);
    }
    if keep_slash {
        if orig.ends_with('/') && !out.ends_with('/') {
            out.push('/');
        } else if orig.ends_with("/.") {
            if out != "/" {
                out.push('/');
            }
            out.push('.');
        }
    }
    out
}

/// BuildKit's `system.NormalizePath` for Linux: a relative `p` is joined onto `parent`
/// (and so cleaned); an absolute one is kept as written. With `keep_slash`, a trailing
/// `/` or `/.` of `p` survives.
pub fn system_normalize(parent: &str, p: &str, keep_slash: bool) -> String {
    let mut parent = if parent.is_empty() {
        "/".to_string()
    } else {
        parent.to_string()
    };
    if !parent.starts_with('/') {
        parent = join(&["/", &parent]);
    }
    let mut out = if p.is_empty() {
        parent.clone()
    } else {
        p.to_string()
    };
    if !out.starts_with('/') {
        out = join(&[&parent, &out]);
    }
    if keep_slash {
        if p.ends_with('/') && !out.ends_with('/') {
            out.push('/');
        } else if p.ends_with("/.") {
            if out != "/" {
                out.push('/');
            }
            out.push('.');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (i, o) in [
            ("", "."),
            ("/", "/"),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("./a/", "a"),
            ("/a//b/./c/", "/a/b/c"),
        ] {
            assert_eq!(clean(i), o, "{i}");
        }
        assert_eq!(normalize("/app", "./", true), "/app/");
        assert_eq!(normalize("/app", ".", true), "/app");
        assert_eq!(normalize("/", "x/.", true), "/x/.");
        assert_eq!(base("/a/b/"), "b");
    }
}
