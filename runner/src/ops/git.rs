//! `git://` sources through the `git` command: the ref (after `#`, default
//! `HEAD`, with an optional `:subdir`) is resolved to a commit with
//! `git ls-remote`, which keys the cache, so an unchanged branch is a hit
//! without cloning; then a shallow fetch and checkout (submodules unless
//! `git.skipsubmodules`), `.git` dropped unless `git.keepgitdir`. Every
//! file's time is the commit's time so the tree is the same on every clone.
//! The URL is `git.fullurl`, else `https://` plus the identifier's host and path.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use llb_schema::Digest;

use super::OpContext;
use crate::error::{OpError, SourceError};
use crate::store::SnapshotId;

/// What to fetch.
pub struct GitSource {
    url: String,
    reference: String,
    subdir: String,
    keep_git_dir: bool,
    submodules: bool,
}

fn fail(what: String) -> OpError {
    OpError::Source(SourceError::Io {
        path: "git".into(),
        source: std::io::Error::other(what),
    })
}

fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, OpError> {
    let mut c = Command::new("git");
    if let Some(d) = dir {
        c.arg("-C").arg(d);
    }
    c.args([
        "-c",
        "protocol.file.allow=always",
        "-c",
        "advice.detachedHead=false",
    ])
    .args(args)
    .env("GIT_TERMINAL_PROMPT", "0");
    let out = c
        .output()
        .map_err(|e| fail(format!("cannot run git (is it installed?): {e}")))?;
    if !out.status.success() {
        return Err(fail(format!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl GitSource {
    /// Reads the identifier (after `git://`) and attributes.
    pub fn new(rest: &str, attrs: &BTreeMap<String, String>) -> GitSource {
        let (remote, fragment) = rest.split_once('#').unwrap_or((rest, ""));
        let (reference, subdir) = fragment.split_once(':').unwrap_or((fragment, ""));
        let url = attrs
            .get("git.fullurl")
            .cloned()
            .unwrap_or_else(|| format!("https://{remote}"));
        GitSource {
            url,
            reference: if reference.is_empty() {
                "HEAD".into()
            } else {
                reference.into()
            },
            subdir: subdir.into(),
            keep_git_dir: attrs.get("git.keepgitdir").is_some_and(|v| v == "true"),
            submodules: !attrs.get("git.skipsubmodules").is_some_and(|v| v == "true"),
        }
    }

    fn commit(&self) -> Result<String, OpError> {
        if self.reference.len() == 40 && self.reference.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(self.reference.to_ascii_lowercase());
        }
        let out = git(None, &["ls-remote", &self.url, &self.reference])?;
        let want = [
            self.reference.clone(),
            format!("refs/heads/{}", self.reference),
            format!("refs/tags/{}^{{}}", self.reference),
            format!("refs/tags/{}", self.reference),
        ];
        let lines: Vec<(&str, &str)> = out.lines().filter_map(|l| l.split_once('\t')).collect();
        want.iter()
            .find_map(|w| {
                lines
                    .iter()
                    .find(|(_, r)| r == w)
                    .map(|(c, _)| c.to_string())
            })
            .ok_or_else(|| {
                fail(format!(
                    "ref {:?} not found in {}",
                    self.reference, self.url
                ))
            })
    }

    /// The cache key: commit, subdir and whether `.git` is kept.
    pub fn key(&self) -> Result<Digest, OpError> {
        let c = self.commit()?;
        Ok(llb_schema::digest(
            format!(
                "{c}\0{}\0{}\0{}",
                self.subdir, self.keep_git_dir, self.submodules
            )
            .as_bytes(),
        ))
    }

    /// Clones into a new snapshot.
    pub fn run(&self, ctx: &OpContext<'_>) -> Result<SnapshotId, OpError> {
        let commit = self.commit()?;
        let stage = ctx.store.staging()?;
        let repo = stage.path().join("repo");
        let repo_s = repo.to_string_lossy().into_owned();
        git(None, &["init", "-q", &repo_s])?;
        if git(
            Some(&repo),
            &["fetch", "-q", "--depth=1", &self.url, &commit],
        )
        .is_err()
        {
            git(Some(&repo), &["fetch", "-q", &self.url, &self.reference])?;
        }
        git(Some(&repo), &["checkout", "-q", &commit])?;
        if self.submodules && repo.join(".gitmodules").exists() {
            git(
                Some(&repo),
                &[
                    "submodule",
                    "update",
                    "-q",
                    "--init",
                    "--recursive",
                    "--depth=1",
                ],
            )?;
        }
        let time: i64 = git(Some(&repo), &["log", "-1", "--format=%ct", &commit])?
            .trim()
            .parse()
            .unwrap_or(0);
        if !self.keep_git_dir {
            crate::fsutil::remove_all(&repo.join(".git"))
                .map_err(|e| fail(format!("remove .git: {e}")))?;
        }
        let root = if self.subdir.is_empty() {
            repo.clone()
        } else {
            let p = crate::fsutil::resolve_in_root(&repo, &self.subdir, true)
                .map_err(|e| fail(e.to_string()))?;
            if !p.is_dir() {
                return Err(fail(format!(
                    "subdirectory {:?} not found at {commit}",
                    self.subdir
                )));
            }
            p
        };
        set_times(&root, time).map_err(|e| fail(format!("set times: {e}")))?;
        Ok(ctx.store.commit(&root)?)
    }
}

fn set_times(p: &Path, t: i64) -> std::io::Result<()> {
    let md = fs::symlink_metadata(p)?;
    if md.is_dir() {
        for e in fs::read_dir(p)? {
            set_times(&e?.path(), t)?;
        }
    }
    crate::fsutil::set_mtime(p, t, 0)
}
