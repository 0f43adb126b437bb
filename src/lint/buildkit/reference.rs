//! Image references as `reference.ParseNormalizedNamed` (distribution/reference) accepts
//! them, and containerd's platform strings: the two formats the FROM checks validate.

/// Whether `s` is a valid image reference: `[domain/]path[:tag][@digest]`, lower-case
/// path components, not a bare 64-hex identifier.
pub fn is_valid(s: &str) -> bool {
    if s.is_empty()
        || (s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
    {
        return false;
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !valid_digest(d)) {
        return false;
    }
    // A tag is after the last ':' that follows the last '/'.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if tag.is_some_and(|t| !valid_tag(t)) || name.is_empty() || name.len() > 255 {
        return false;
    }
    let (domain, path) = split_domain(name);
    if let Some(d) = domain {
        if !valid_domain(d) {
            return false;
        }
    }
    !path.is_empty() && path.split('/').all(valid_component)
}

fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-')) {
            return false;
        }
    }
    true
}

fn valid_domain(d: &str) -> bool {
    let (host, port) = if d.starts_with('[') {
        match d.find(']') {
            Some(end) => (&d[..=end], d[end + 1..].strip_prefix(':')),
            None => return false,
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    if host.starts_with('[') {
        return host.len() > 2
            && host[1..host.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':');
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        })
}

/// `[\w][\w.-]{0,127}`
fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

fn valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    let hex_ok = |n: usize| {
        hex.len() == n
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match alg {
        "sha256" => hex_ok(64),
        "sha384" => hex_ok(96),
        "sha512" => hex_ok(128),
        _ => false,
    }
}

/// `docker.io/library/alpine:latest` for `alpine` (BuildKit's `TagNameOnly` form).
pub fn normalize(s: &str) -> String {
    let (domain, path) = split_domain(s);
    let domain = domain.unwrap_or("docker.io");
    let path = if domain == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    let last = path.rsplit('/').next().unwrap_or_default();
    let tagged = last.contains(':') || path.contains('@');
    format!("{domain}/{path}{}", if tagged { "" } else { ":latest" })
}

const OSES: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "zos",
    "wasip1",
];
const ARCHES: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

fn normalize_arch(arch: &str) -> &str {
    match arch {
        "i386" => "386",
        "x86_64" | "x86-64" | "amd64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        "armhf" | "armel" | "arm" => "arm",
        other => other,
    }
}

/// containerd's `platforms.Parse`, reduced to what the checks need: `(os, arch)`.
pub fn parse_platform(spec: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = spec.split('/').collect();
    let valid = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let os_of = |p: &str| {
        let lower = p.to_lowercase();
        let base = lower.split('(').next().unwrap_or_default().to_string();
        OSES.contains(&base.as_str()).then_some(base)
    };
    match parts.as_slice() {
        [one] if valid(one) => {
            if let Some(os) = os_of(one) {
                return Some((os, "amd64".to_string()));
            }
            let arch = normalize_arch(&one.to_lowercase()).to_string();
            ARCHES
                .contains(&arch.as_str())
                .then(|| ("linux".to_string(), arch))
        }
        [os, arch] | [os, arch, _] if valid(arch) => {
            let os = os_of(os)?;
            let arch = normalize_arch(&arch.to_lowercase()).to_string();
            Some((os, arch))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        for ok in [
            "alpine",
            "alpine:3.20",
            "docker.io/library/alpine",
            "localhost:5000/a/b:c",
            "scratch",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in ["", "Alpine", "alpine:", "a//b", ":tag", "busybox:", "-a"] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert_eq!(normalize("alpine"), "docker.io/library/alpine:latest");
    }

    #[test]
    fn platforms() {
        assert_eq!(
            parse_platform("linux/arm64"),
            Some(("linux".into(), "arm64".into()))
        );
        assert_eq!(
            parse_platform("windows/amd64/v2").map(|p| p.0),
            Some("windows".into())
        );
        assert_eq!(parse_platform("nope/x/y/z"), None);
    }
}
