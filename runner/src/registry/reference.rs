//! Image references as Docker normalizes them: `busybox` is
//! `docker.io/library/busybox:latest`; a first component with a `.` or `:`
//! or equal to `localhost` is a registry host; `@sha256:...` pins a digest.

use std::fmt;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host (and port) as written, `docker.io` by default.
    pub domain: String,
    /// Repository path (`library/busybox`).
    pub repository: String,
    /// Tag, if any (`latest` when neither tag nor digest is given).
    pub tag: Option<String>,
    /// Pinned digest, if any.
    pub digest: Option<String>,
}

/// A reference that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference {0:?}")]
pub struct BadReference(pub String);

impl Reference {
    /// Parses and normalizes `s`.
    pub fn parse(s: &str) -> Result<Reference, BadReference> {
        let bad = || BadReference(s.to_string());
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !d.starts_with("sha256:")
                    || d.len() != 71
                    || !d[7..]
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                {
                    return Err(bad());
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return Err(bad());
        }
        let (domain, mut repository) = match name.split_once('/') {
            Some((d, r)) if d.contains('.') || d.contains(':') || d == "localhost" => {
                (d.to_string(), r.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        if domain == "docker.io" && !repository.contains('/') {
            repository = format!("library/{repository}");
        }
        let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c);
        if repository.is_empty() || !repository.chars().all(ok) || repository.contains("//") {
            return Err(bad());
        }
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(Reference {
            domain,
            repository,
            tag,
            digest,
        })
    }

    /// The host to talk to (`registry-1.docker.io` for `docker.io`).
    pub fn api_host(&self) -> &str {
        if self.domain == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.domain
        }
    }

    /// The digest if pinned, else the tag: what to ask the registry for.
    pub fn lookup(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_docker() {
        let r = Reference::parse("busybox").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/busybox:latest");
        let r = Reference::parse("127.0.0.1:5000/a/b:1.0").unwrap();
        assert_eq!(
            (r.domain.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "a/b", Some("1.0"))
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("localhost/x@{d}")).unwrap();
        assert_eq!((r.tag, r.digest.as_deref()), (None, Some(d.as_str())));
        assert!(Reference::parse("UPPER").is_err());
        assert!(Reference::parse("x@sha256:12").is_err());
        assert!(Reference::parse("x:").is_err());
    }
}
