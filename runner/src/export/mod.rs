//! Exporters: what a solved result becomes.
//!
//! - [`local`]: the result tree copied to a directory (`type=local`);
//! - [`tar_tree`]: the result tree as a plain tar (`type=tar`);
//! - [`oci`]: an OCI image layout in a tar (`type=oci`), layers gzipped,
//!   image config completed with diff ids and history.
//!
//! All outputs are deterministic; with `SOURCE_DATE_EPOCH` times are
//! clamped to it so two builds give the same bytes.

pub mod layer;
pub mod oci;
pub mod plan;
pub mod push;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::fsutil;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing the output failed.
    #[error("cannot {what} {}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The image config given is not a JSON object.
    #[error("the image config must be a JSON object")]
    BadConfig,
    /// The in-band image config on the terminal op is unusable.
    #[error(
        "the image config on the LLB's terminal op ({}) is invalid: {reason}",
        llb_schema::IMAGE_CONFIG_KEY
    )]
    InbandConfig {
        /// What is wrong with it.
        reason: String,
    },
    /// The in-band SOURCE_DATE_EPOCH on the terminal op is not a number of seconds.
    #[error(
        "the SOURCE_DATE_EPOCH on the LLB's terminal op ({}) is invalid: {value:?}: {reason}; recompile with a whole number of seconds",
        llb_schema::EPOCH_KEY
    )]
    InbandEpoch {
        /// The value found.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
}

pub(crate) fn io_err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ExportError {
    let path = path.to_path_buf();
    move |source| ExportError::Io { what, path, source }
}

/// Copies the tree `snapshot` into `dest` (created if missing; existing
/// entries are replaced).
pub fn local(snapshot: &Path, dest: &Path) -> Result<(), ExportError> {
    std::fs::create_dir_all(dest).map_err(io_err("create", dest))?;
    let mut names: Vec<_> = std::fs::read_dir(snapshot)
        .map_err(io_err("list", snapshot))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    for n in names {
        let to = dest.join(&n);
        fsutil::remove_all(&to).map_err(io_err("replace", &to))?;
        fsutil::copy_tree(&snapshot.join(&n), &to).map_err(io_err("copy to", &to))?;
    }
    Ok(())
}

/// Writes the tree `snapshot` as an uncompressed tar to `out`.
pub fn tar_tree(
    snapshot: &Path,
    epoch: Option<i64>,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let stage = tempfile::NamedTempFile::new()
        .map_err(io_err("create temporary file", Path::new("/tmp")))?;
    layer::write_layer(
        snapshot,
        None,
        epoch,
        layer::Compression::None,
        stage.path(),
    )
    .map_err(io_err("write tar of", snapshot))?;
    let mut f = std::fs::File::open(stage.path()).map_err(io_err("read", stage.path()))?;
    io::copy(&mut f, out).map_err(io_err("write", Path::new("output")))?;
    Ok(())
}
