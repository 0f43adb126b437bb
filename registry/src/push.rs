//! Pushing: blobs (skipped when the registry has them, mounted from another repository
//! of the same registry when one is named, else uploaded in one monolithic PUT) and
//! manifests put under a tag or digest. Pushes go to the reference's own host, never to
//! a mirror, with a `pull,push` token scope (and `pull` on the repository a blob is
//! mounted from).

use std::path::Path;

use crate::config::{is_localhost, Endpoint};
use crate::error::{FetchError, RegistryError};
use crate::http::{header, status_error, Payload, Scope};
use crate::reference::Reference;
use crate::Client;

/// What pushing one blob took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobPush {
    /// The repository already had it.
    Existed,
    /// Mounted from another repository of the registry.
    Mounted,
    /// Uploaded.
    Uploaded,
}

impl Client {
    /// The endpoint pushes of `r` go to: its host with the host's own settings.
    pub fn push_endpoint(&self, r: &Reference) -> Result<Endpoint, RegistryError> {
        let ep = self
            .endpoints(&r.domain)
            .pop()
            .expect("endpoints always end with the host itself");
        if self.http.config.loopback_only && !is_localhost(&ep.host) {
            return Err(RegistryError::bad(
                ep.describe(),
                "not pushing to a non-loopback registry (loopback only)",
            ));
        }
        Ok(ep)
    }

    /// Pushes the blob at `path` (named `digest`) to `r`'s repository, mounting it from
    /// `mount_from` (a repository of the same registry) when given and possible.
    pub fn push_blob(
        &self,
        r: &Reference,
        digest: &str,
        path: &Path,
        mount_from: Option<&str>,
    ) -> Result<BlobPush, RegistryError> {
        let ep = self.push_endpoint(r)?;
        let repo = &r.path;
        let send =
            |scope: Scope<'_>, method: &str, tail: &str, ct: Option<&str>, payload: Payload<'_>| {
                self.http
                    .send(&ep, repo, scope, method, tail, "*/*", ct, payload)
            };
        let (_, head) = send(
            Scope::Push,
            "HEAD",
            &format!("{repo}/blobs/{digest}"),
            None,
            Payload::Empty,
        )?;
        if head.status().is_success() {
            return Ok(BlobPush::Existed);
        }
        let mut start = format!("{repo}/blobs/uploads/");
        let mut scope = Scope::Push;
        if let Some(from) = mount_from.filter(|f| *f != repo.as_str()) {
            start.push_str(&format!("?mount={digest}&from={from}"));
            scope = Scope::PushMountFrom(from);
        }
        let (url, mut resp) = send(
            scope,
            "POST",
            &start,
            Some("application/octet-stream"),
            Payload::Bytes(&[]),
        )?;
        match resp.status().as_u16() {
            201 if mount_from.is_some() => return Ok(BlobPush::Mounted),
            202 => {}
            _ => return Err(status_error(&url, &mut resp).into()),
        }
        let location = header(&resp, "location")
            .ok_or_else(|| RegistryError::bad(&url, "upload answer has no Location header"))?;
        let location = absolute(&url, &location);
        let put = format!(
            "{location}{}digest={}",
            if location.contains('?') { '&' } else { '?' },
            crate::auth::query_escape(digest)
        );
        let mut resp = self.http.send_url(
            &ep,
            repo,
            Scope::Push,
            "PUT",
            &put,
            "*/*",
            Some("application/octet-stream"),
            Payload::File(path),
        )?;
        if !resp.status().is_success() {
            return Err(status_error(&put, &mut resp).into());
        }
        Ok(BlobPush::Uploaded)
    }

    /// Puts a manifest under `reference` (a tag or digest); returns the digest the
    /// registry reports, checked against the bytes sent.
    pub fn push_manifest(
        &self,
        r: &Reference,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String, RegistryError> {
        let ep = self.push_endpoint(r)?;
        let (url, mut resp) = self.http.send(
            &ep,
            &r.path,
            Scope::Push,
            "PUT",
            &format!("{}/manifests/{reference}", r.path),
            "*/*",
            Some(media_type),
            Payload::Bytes(bytes),
        )?;
        if !resp.status().is_success() {
            return Err(status_error(&url, &mut resp).into());
        }
        let digest = crate::sha256_digest(bytes);
        if let Some(got) = header(&resp, "docker-content-digest") {
            if got.starts_with("sha256:") && got != digest {
                return Err(FetchError::DigestMismatch {
                    url,
                    expected: digest,
                    actual: got,
                }
                .into());
            }
        }
        Ok(digest)
    }
}

/// An upload `Location` made absolute against the URL that answered it.
fn absolute(answered: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let origin_end = answered
        .find("://")
        .and_then(|i| answered[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(answered.len());
    format!("{}{location}", &answered[..origin_end])
}

#[cfg(test)]
mod tests {
    use super::absolute;

    #[test]
    fn relative_locations_join_the_origin() {
        assert_eq!(
            absolute(
                "http://127.0.0.1:5000/v2/a/blobs/uploads/",
                "/v2/a/blobs/uploads/u?x=1"
            ),
            "http://127.0.0.1:5000/v2/a/blobs/uploads/u?x=1"
        );
        assert_eq!(absolute("http://h/v2/", "https://s3/x"), "https://s3/x");
    }
}
