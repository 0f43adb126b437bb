//! Docker credential helpers: `docker-credential-<name> get` is run with the server
//! address on standard input and answers `{"ServerURL", "Username", "Secret"}` on standard
//! output, as the docker CLI's `credentials.NativeStore` drives them. A helper that says
//! the credentials are not found means "no credentials", not an error.
//!
//! What this does not do: store or erase credentials, or use identity tokens (a helper
//! answering with the `<token>` user name is reported as unsupported).

use std::io::Write;
use std::process::{Command, Stdio};

use serde::Deserialize;

/// A helper that could not be run or gave an unusable answer.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    #[error(
        "credential helper {name:?} is not a valid helper name (letters, digits, `.`, `_`, `-`)"
    )]
    BadName { name: String },
    #[error("cannot run credential helper docker-credential-{name}: {source} (install it on PATH or remove it from the docker config)")]
    Spawn {
        name: String,
        source: std::io::Error,
    },
    #[error("credential helper docker-credential-{name} failed for {server}: {message}")]
    Failed {
        name: String,
        server: String,
        message: String,
    },
    #[error("credential helper docker-credential-{name} answered for {server} with {message}")]
    BadAnswer {
        name: String,
        server: String,
        message: String,
    },
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// What the helpers answer when they hold nothing for the server.
const NOT_FOUND: &str = "credentials not found in native keychain";

/// Runs `docker-credential-<name> get` for `server`: the (user, secret) pair, or `None`
/// when the helper holds nothing for it.
pub fn get(name: &str, server: &str) -> Result<Option<(String, String)>, HelperError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(HelperError::BadName { name: name.into() });
    }
    let program = format!("docker-credential-{name}");
    let spawn = |source| HelperError::Spawn {
        name: name.into(),
        source,
    };
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading gives EPIPE here; its exit status says more.
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child.wait_with_output().map_err(spawn)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message = [stdout.trim(), stderr.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        if message.contains(NOT_FOUND) {
            return Ok(None);
        }
        return Err(HelperError::Failed {
            name: name.into(),
            server: server.into(),
            message: if message.is_empty() {
                out.status.to_string()
            } else {
                message
            },
        });
    }
    let answer: Answer =
        serde_json::from_str(stdout.trim()).map_err(|e| HelperError::BadAnswer {
            name: name.into(),
            server: server.into(),
            message: format!("invalid JSON: {e}"),
        })?;
    if answer.username == "<token>" {
        return Err(HelperError::BadAnswer {
            name: name.into(),
            server: server.into(),
            message: "an identity token, which dfc does not support; log in with a user name and password".into(),
        });
    }
    if answer.username.is_empty() && answer.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some((answer.username, answer.secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_missing_helpers_named() {
        assert!(matches!(get("../x", "h"), Err(HelperError::BadName { .. })));
        let e = get("dfc-test-no-such-helper", "h").unwrap_err().to_string();
        assert!(
            e.contains("docker-credential-dfc-test-no-such-helper") && e.contains("PATH"),
            "{e}"
        );
    }
}
