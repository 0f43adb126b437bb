//! `dfc lint --fix` / `--diff`: runs the library's fixer on one input, then either writes
//! the file in place (a temporary file beside it, renamed over it, so a failure never
//! leaves it half written; standard input's fix goes to standard output) or prints a
//! unified diff.

use std::io::Write;
use std::path::Path;

use similar::TextDiff;

use crate::lint::fix::fix;
use crate::lint::{Context, Options};

use super::render::Input;

/// What fixing one input did.
pub enum Outcome {
    /// Nothing to fix.
    Unchanged,
    /// Fixed (and written, unless `--diff`); the new text.
    Changed(String),
}

/// Fixes `input` (read from `path`); with `diff`, prints the change instead of writing it.
pub fn run(
    path: &Path,
    input: &Input,
    options: &Options,
    context: &Context,
    diff: bool,
) -> Result<Outcome, String> {
    let fixed = fix(&input.text, options, context).map_err(|e| e.to_string())?;
    if path.as_os_str() == "-" && !diff {
        // A filter: the text goes out whether or not anything changed.
        let mut out = std::io::stdout().lock();
        match out.write_all(fixed.text.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(format!("cannot write output: {e}"))
            }
            _ => {}
        }
    }
    if fixed.text == input.text {
        return Ok(Outcome::Unchanged);
    }
    let summary: Vec<String> = fixed
        .fixed
        .iter()
        .map(|(code, n)| format!("{code} ×{n}"))
        .collect();
    if diff {
        let patch = TextDiff::from_lines(&input.text, &fixed.text)
            .unified_diff()
            .header(&format!("a/{}", input.name), &format!("b/{}", input.name))
            .to_string();
        let mut out = std::io::stdout().lock();
        match out.write_all(patch.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(format!("cannot write output: {e}"))
            }
            _ => {}
        }
    } else if path.as_os_str() != "-" {
        write_in_place(path, &fixed.text)?;
        eprintln!("{}: fixed {}", input.name, summary.join(", "));
    }
    Ok(Outcome::Changed(fixed.text))
}

/// Replaces `path`'s content by one rename, keeping its permissions.
fn write_in_place(path: &Path, text: &str) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.dfc-fix"));
    let result = (|| {
        std::fs::write(&tmp, text)?;
        let permissions = std::fs::metadata(path)?.permissions();
        std::fs::set_permissions(&tmp, permissions)?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!(
            "cannot write the fixed {}: {e}; the file is unchanged",
            path.display()
        )
    })
}
