//! Git sources of `ADD`: which source words are Git repositories, how they split into a
//! remote, a ref, a subdirectory and query options, and the `git://` source op built
//! from them, as BuildKit's `dfgitutil.ParseGitRef`, `gitutil.ParseURL` and
//! `llb.Git` do it.
//!
//! What counts as Git: a URL with scheme `git://` or `ssh://`, an `http(s)://` URL whose
//! path ends in `.git`, or an scp-style `user@host:path`. The fragment `#ref:subdir` and
//! the query (`ref`, `tag`, `branch`, `subdir`, `checksum`/`commit`, `keep-git-dir`,
//! `submodules`, `mtime`, `fetch-by-commit`) carry the options.
//!
//! What it does not do: fetch anything. BuildKit's `llb.Git` scans the SSH host key of
//! `ssh` remotes over the network; dfc never does (no `git.knownsshhosts` attribute,
//! which is also what BuildKit emits when the scan fails).

use std::collections::BTreeMap;

use super::graph::{Graph, OutRef};
use super::ops::{self, Meta};
use super::paths;

/// A Git source word taken apart (BuildKit's `dfgitutil.GitRef`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitRef {
    /// The remote without fragment and query (`https://host/repo.git`, `git@host:repo`).
    pub remote: String,
    pub reference: String,
    pub checksum: String,
    pub subdir: String,
    /// `github.com/…` without a scheme: deprecated, and treated as a local path by ADD.
    pub indistinguishable_from_local: bool,
    pub keep_git_dir: Option<bool>,
    pub submodules: Option<bool>,
    pub mtime: String,
    pub fetch_by_commit: bool,
}

/// Why a word is not a usable Git reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitRefError {
    /// The word is not a Git URL at all (a local path or a plain HTTP URL).
    NotGit,
    /// The word is a Git URL with a bad query; BuildKit stops with this message.
    Invalid(String),
}

/// `dfgitutil.ParseGitRef`.
pub fn parse_git_ref(word: &str) -> Result<GitRef, GitRefError> {
    if word.starts_with("./") || word.starts_with("../") {
        return Err(GitRefError::NotGit);
    }
    let mut res = GitRef::default();
    let url = if word.starts_with("github.com/") {
        res.indistinguishable_from_local = true;
        let mut u = parse_url(word).ok_or(GitRefError::NotGit)?;
        // `url.Parse` reads a scheme-less word as a path; with the scheme set, Go writes
        // `https://` + the path, which the `://` cut below takes off again.
        u.scheme = "https".into();
        u.remote = format!("https://{}", u.remote);
        u
    } else {
        let u = parse_git_url(word).ok_or(GitRefError::NotGit)?;
        if (u.scheme == "http" || u.scheme == "https") && !u.path.ends_with(".git") {
            return Err(GitRefError::NotGit);
        }
        u
    };
    res.remote = url.remote.clone();
    if res.indistinguishable_from_local {
        if let Some((_, rest)) = res.remote.split_once("://") {
            res.remote = rest.to_string();
        }
    }
    if let Some((r, s)) = fragment_opts(&url.fragment) {
        res.reference = r;
        res.subdir = s;
    }
    res.load_query(&url.query).map_err(GitRefError::Invalid)?;
    Ok(res)
}

/// `isGitSource`: ParseGitRef says it is Git (even when ADD then copies it as a path).
pub fn is_git_source(word: &str) -> bool {
    parse_git_ref(word).is_ok()
}

/// `parseOpts`: `ref:subdir`, the subdirectory cleaned and made relative.
fn fragment_opts(fragment: &str) -> Option<(String, String)> {
    if fragment.is_empty() {
        return None;
    }
    let (r, sub) = fragment.split_once(':').unwrap_or((fragment, ""));
    let sub = paths::join(&["/", sub]);
    Some((r.to_string(), sub.trim_start_matches('/').to_string()))
}

impl GitRef {
    /// `GitRef.loadQuery`. Keys are read in sorted order (Go's map order is random, so
    /// only the first error found may differ from BuildKit's when several apply).
    fn load_query(&mut self, query: &[(String, Vec<String>)]) -> Result<(), String> {
        let mut sorted: Vec<&(String, Vec<String>)> = query.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let (mut tag, mut branch) = (String::new(), String::new());
        for (k, v) in sorted {
            if v.len() > 1 {
                return Err(format!("query \"{k}\" has multiple values"));
            }
            let value: Option<&str> = match v.first().map(String::as_str) {
                None | Some("") => match k.as_str() {
                    "submodules" | "keep-git-dir" | "fetch-by-commit" => None,
                    _ => return Err(format!("query \"{k}\" has no value")),
                },
                Some(s) => Some(s),
            };
            let flag = |name: &str| -> Result<bool, String> {
                match value {
                    None => Ok(true),
                    Some(s) => {
                        go_parse_bool(s).ok_or_else(|| format!("invalid {name} value: \"{s}\""))
                    }
                }
            };
            let text = value.unwrap_or_default().to_string();
            match k.as_str() {
                "ref" => {
                    if !self.reference.is_empty() && self.reference != text {
                        return Err(format!(
                            "ref conflicts: \"{}\" vs \"{text}\"",
                            self.reference
                        ));
                    }
                    self.reference = text;
                }
                "tag" => tag = text,
                "branch" => branch = text,
                "subdir" => {
                    if !self.subdir.is_empty() && self.subdir != text {
                        return Err(format!(
                            "subdir conflicts: \"{}\" vs \"{text}\"",
                            self.subdir
                        ));
                    }
                    self.subdir = text;
                }
                "checksum" | "commit" => self.checksum = text,
                "keep-git-dir" => self.keep_git_dir = Some(flag("keep-git-dir")?),
                "submodules" => self.submodules = Some(flag("submodules")?),
                "mtime" => match text.as_str() {
                    "checkout" | "commit" => self.mtime = text,
                    _ => {
                        return Err(format!(
                            "invalid mtime value: \"{text}\" (must be \"checkout\" or \"commit\")"
                        ))
                    }
                },
                "fetch-by-commit" => self.fetch_by_commit = flag("fetch-by-commit")?,
                _ => return Err(format!("unexpected query \"{k}\"")),
            }
        }
        if !tag.is_empty() {
            if !tag.starts_with("refs/tags/") {
                tag = format!("refs/tags/{tag}");
            }
            if !self.reference.is_empty() && self.reference != tag {
                return Err(format!(
                    "ref conflicts: \"{}\" vs \"{tag}\"",
                    self.reference
                ));
            }
            self.reference = tag.clone();
        }
        if !branch.is_empty() {
            if !tag.is_empty() {
                return Err("branch conflicts with tag".into());
            }
            if !branch.starts_with("refs/heads/") {
                branch = format!("refs/heads/{branch}");
            }
            if !self.reference.is_empty() && self.reference != branch {
                return Err(format!(
                    "ref conflicts: \"{}\" vs \"{branch}\"",
                    self.reference
                ));
            }
            self.reference = branch;
        }
        Ok(())
    }
}

/// Go's `strconv.ParseBool`.
fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A URL as `gitutil.GitURL` keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct GitUrl {
    scheme: String,
    host: String,
    /// The path, percent-decoded.
    path: String,
    query: Vec<(String, Vec<String>)>,
    fragment: String,
    /// The URL without query and fragment, as Go's `URL.String` writes it.
    remote: String,
}

/// `gitutil.ParseURL`: a URL with one of the Git schemes, or an scp-style address.
fn parse_git_url(s: &str) -> Option<GitUrl> {
    if let Some(scheme) = scheme_prefix(s) {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https" | "ssh" | "git") {
            return None;
        }
        return parse_url(s);
    }
    parse_scp(s)
}

/// `^[a-zA-Z0-9]+://`.
fn scheme_prefix(s: &str) -> Option<&str> {
    let end = s.find("://")?;
    let scheme = &s[..end];
    (!scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(scheme)
}

/// `sshutil.ParseSCPStyleURL`: `user@host:path[?query][#fragment]`, user of
/// `[A-Za-z0-9_-]`, host of `[A-Za-z0-9.-]`.
fn parse_scp(s: &str) -> Option<GitUrl> {
    if s.contains('\n') {
        return None;
    }
    let (user, rest) = s.split_once('@')?;
    if user.is_empty()
        || !user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let (host, rest) = rest.split_once(':')?;
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return None;
    }
    let (before, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, raw_query) = before.split_once('?').unwrap_or((before, ""));
    let query = if raw_query.is_empty() {
        Vec::new()
    } else {
        parse_query(raw_query).ok()?
    };
    Some(GitUrl {
        scheme: "ssh".into(),
        host: host.into(),
        path: path.into(),
        query,
        fragment: fragment.into(),
        remote: format!("{user}@{host}:{path}"),
    })
}

/// The parts of Go's `url.Parse` that Git sources depend on: scheme (lower-cased),
/// `//userinfo@host:port`, the path (decoded), query and fragment. `None` where Go
/// returns an error (bad escapes, a non-numeric port, control characters).
fn parse_url(s: &str) -> Option<GitUrl> {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return None;
    }
    let (without_frag, frag) = s.split_once('#').unwrap_or((s, ""));
    let fragment = percent_decode(frag, false)?;
    let (scheme, rest) = match scheme_prefix(without_frag) {
        Some(sc) => (sc.to_ascii_lowercase(), &without_frag[sc.len() + 1..]),
        None => (String::new(), without_frag),
    };
    let (rest, raw_query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, raw_path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (Some(&r[..i]), &r[i..]),
            None => (Some(r), ""),
        },
        None => (None, rest),
    };
    let mut host = String::new();
    let mut userinfo = None;
    if let Some(a) = authority {
        let (u, h) = match a.rfind('@') {
            Some(i) => (Some(&a[..i]), &a[i + 1..]),
            None => (None, a),
        };
        if let Some((_, port)) = h.rsplit_once(':').filter(|_| !h.ends_with(']')) {
            if !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
        }
        host = h.to_string();
        userinfo = u;
    }
    let path = percent_decode(raw_path, false)?;
    let mut remote = String::new();
    if !scheme.is_empty() {
        remote.push_str(&scheme);
        remote.push(':');
    }
    if authority.is_some() {
        remote.push_str("//");
        if let Some(u) = userinfo {
            remote.push_str(u);
            remote.push('@');
        }
        remote.push_str(&host);
    }
    remote.push_str(&escape_path(raw_path));
    let query = parse_query(raw_query).unwrap_or_default();
    Some(GitUrl {
        scheme,
        host,
        path,
        query,
        fragment,
        remote,
    })
}

/// Go's `url.ParseQuery`: `&`-separated `k=v` pairs, `+` as space, keys in first-seen
/// order with their values.
fn parse_query(q: &str) -> Result<Vec<(String, Vec<String>)>, ()> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut failed = false;
    for part in q.split('&') {
        if part.is_empty() {
            continue;
        }
        if part.contains(';') {
            failed = true;
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (Some(k), Some(v)) = (percent_decode(k, true), percent_decode(v, true)) else {
            failed = true;
            continue;
        };
        match out.iter_mut().find(|(kk, _)| *kk == k) {
            Some((_, vals)) => vals.push(v),
            None => out.push((k, vec![v])),
        }
    }
    if failed {
        Err(())
    } else {
        Ok(out)
    }
}

fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The path as `URL.EscapedPath` writes it: valid escapes and the characters Go leaves
/// alone are kept, everything else is percent-encoded.
fn escape_path(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let keep = c.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@!'()*".contains(&c);
        // The path was decoded first, so every `%` starts a valid escape.
        if let Some(escape) = raw.get(i..i + 3).filter(|_| c == b'%') {
            out.push_str(escape);
            i += 3;
            continue;
        }
        if keep {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
        i += 1;
    }
    out
}

/// The options of one `llb.Git` call made by the Dockerfile frontend.
#[derive(Clone, Debug, Default)]
pub struct GitSourceOpts {
    pub reference: String,
    pub subdir: String,
    pub keep_git_dir: bool,
    pub checksum: String,
    pub skip_submodules: bool,
    pub fetch_by_commit: bool,
}

/// The identifier and attributes `llb.Git(remote, "", opts…)` gives its source op, with
/// the capabilities it records.
pub fn git_source_op(
    remote: &str,
    o: &GitSourceOpts,
) -> (String, BTreeMap<String, String>, Vec<&'static str>) {
    use llb_schema::caps;
    let mut url = remote.to_string();
    let mut parsed = parse_git_url(&url);
    if parsed.is_none() && scheme_prefix(&url).is_none() {
        url = format!("https://{url}");
        parsed = parse_git_url(&url);
    }
    let mut id = match &parsed {
        Some(p) => {
            url = p.remote.clone();
            format!("{}{}", p.host, paths::join(&["/", &p.path]))
        }
        None => url.clone(),
    };
    if parsed.is_some() && (!o.reference.is_empty() || !o.subdir.is_empty()) {
        id.push('#');
        id.push_str(&o.reference);
        if !o.subdir.is_empty() {
            id.push(':');
            id.push_str(&o.subdir);
        }
    }
    let mut attrs = BTreeMap::new();
    let mut caps_list = vec![caps::SOURCE_GIT];
    if o.keep_git_dir {
        attrs.insert("git.keepgitdir".into(), "true".into());
        caps_list.push(caps::SOURCE_GIT_KEEP_DIR);
    }
    if !url.is_empty() {
        attrs.insert("git.fullurl".into(), url.clone());
        caps_list.push(caps::SOURCE_GIT_FULL_URL);
    }
    attrs.insert("git.authtokensecret".into(), "GIT_AUTH_TOKEN".into());
    attrs.insert("git.authheadersecret".into(), "GIT_AUTH_HEADER".into());
    if parsed.as_ref().is_some_and(|p| p.scheme == "ssh") {
        caps_list.push(caps::SOURCE_GIT_KNOWN_SSH_HOSTS);
        attrs.insert("git.mountsshsock".into(), "default".into());
        caps_list.push(caps::SOURCE_GIT_MOUNT_SSH_SOCK);
    }
    if !o.checksum.is_empty() {
        attrs.insert("git.checksum".into(), o.checksum.clone());
        caps_list.push(caps::SOURCE_GIT_CHECKSUM);
    }
    if o.skip_submodules {
        attrs.insert("git.skipsubmodules".into(), "true".into());
        caps_list.push(caps::SOURCE_GIT_SKIP_SUBMODULES);
    }
    if o.fetch_by_commit {
        attrs.insert("git.fetchbycommit".into(), "true".into());
        caps_list.push(caps::SOURCE_GIT_FETCH_BY_COMMIT);
    }
    caps_list.sort_unstable();
    caps_list.dedup();
    (format!("git://{id}"), attrs, caps_list)
}

/// Adds the `git://` source op to the graph.
pub fn git_source(graph: &mut Graph, remote: &str, o: &GitSourceOpts, meta: Meta) -> OutRef {
    let (id, attrs, caps_list) = git_source_op(remote, o);
    ops::source(graph, id, attrs, None, &caps_list, meta)
}
