//! `https://` (and loopback `http://`) sources: one file, named by the
//! `http.filename` attribute or the URL's last path segment (`index` if
//! none), with mode `http.perm` (default 0600), owner `http.uid`/`http.gid`
//! and the server's `Last-Modified` time. With `http.checksum` the download
//! must match it, and the checksum alone keys the cache (no download on a
//! hit); without one, the content does.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;

use llb_schema::Digest;

use super::OpContext;
use crate::error::{OpError, SourceError};
use crate::registry::{FetchError, RegistryError};
use crate::store::SnapshotId;

fn attr_bad(key: &str, v: &str, reason: &'static str) -> SourceError {
    SourceError::BadAttr {
        key: key.into(),
        value: v.into(),
        reason,
    }
}

/// The pinned checksum, if the op gives one.
pub fn checksum(attrs: &BTreeMap<String, String>) -> Result<Option<Digest>, OpError> {
    match attrs.get("http.checksum") {
        None => Ok(None),
        Some(v) => Ok(Some(v.parse().map_err(|_| {
            attr_bad("http.checksum", v, "expected sha256:<64 hex>")
        })?)),
    }
}

fn parse_int(key: &str, v: &str) -> Result<u32, SourceError> {
    let r = if let Some(o) = v
        .strip_prefix("0o")
        .or_else(|| v.strip_prefix('0').filter(|o| !o.is_empty()))
    {
        u32::from_str_radix(o, 8)
    } else {
        v.parse()
    };
    r.map_err(|_| attr_bad(key, v, "expected a number"))
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(s: &str) -> Option<i64> {
    let p: Vec<&str> = s.split_whitespace().collect();
    let [_, d, mon, y, t, "GMT"] = p.as_slice() else {
        return None;
    };
    let m = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|x| x == mon)? as i64
        + 1;
    let (d, y): (i64, i64) = (d.parse().ok()?, y.parse().ok()?);
    let hms: Vec<i64> = t
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [hh, mm, ss] = hms.as_slice() else {
        return None;
    };
    // Howard Hinnant's days_from_civil.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Downloads the file into a new snapshot.
pub fn run(
    ctx: &OpContext<'_>,
    url: &str,
    attrs: &BTreeMap<String, String>,
) -> Result<SnapshotId, OpError> {
    let stage = ctx.store.staging()?;
    let root = stage.path().join("http");
    let io = |p: &std::path::Path| {
        let path = p.to_path_buf();
        move |source| SourceError::Io { path, source }
    };
    fs::create_dir(&root)
        .and_then(|_| fs::set_permissions(&root, fs::Permissions::from_mode(0o755)))
        .map_err(io(&root))?;
    let name = match attrs.get("http.filename") {
        Some(f) => f.clone(),
        None => url
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty() && !url.ends_with("//"))
            .map(str::to_string)
            .unwrap_or_else(|| "index".into()),
    };
    if name.contains('/') || name == ".." || name == "." {
        return Err(attr_bad("http.filename", &name, "must be a plain file name").into());
    }
    let dest = root.join(&name);
    let (got, modified) = ctx.registry.download(url, &dest)?;
    if let Some(want) = checksum(attrs)? {
        if want.to_string() != got {
            return Err(RegistryError::Request(FetchError::DigestMismatch {
                url: url.into(),
                expected: want.to_string(),
                actual: got,
            })
            .into());
        }
    }
    let perm = match attrs.get("http.perm") {
        Some(v) => parse_int("http.perm", v)?,
        None => 0o600,
    };
    fs::set_permissions(&dest, fs::Permissions::from_mode(perm & 0o7777)).map_err(io(&dest))?;
    let uid = attrs
        .get("http.uid")
        .map(|v| parse_int("http.uid", v))
        .transpose()?
        .unwrap_or(0);
    let gid = attrs
        .get("http.gid")
        .map(|v| parse_int("http.gid", v))
        .transpose()?
        .unwrap_or(0);
    if super::running_as_root() || uid != 0 || gid != 0 {
        crate::fsutil::chown_if_permitted(&dest, uid, gid).map_err(io(&dest))?;
    }
    let t = modified.as_deref().and_then(http_date).unwrap_or(0);
    crate::fsutil::set_mtime(&dest, t, 0).map_err(io(&dest))?;
    Ok(ctx.store.commit(&root)?)
}

#[cfg(test)]
mod tests {
    use super::http_date;

    #[test]
    fn imf_fixdate() {
        assert_eq!(
            http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(http_date("garbage"), None);
    }
}
