//! Finding and reading `dfc lint`'s configuration files, then stacking them with the
//! environment: defaults < hadolint's file < `HADOLINT_*` variables < `.dfc.toml` < the
//! command line (applied by the caller).
//!
//! With `--config FILE` only that file is read (`.toml`: dfc's own, else hadolint YAML).
//! Without it: `./.dfc.toml`, and the first hadolint file found in hadolint's order:
//! `./.hadolint.{yaml,yml}`, `$XDG_CONFIG_HOME/hadolint.{yaml,yml}` (`~/.config` when
//! unset), `~/.hadolint/{hadolint,config}.{yaml,yml}`, `~/.hadolint.{yaml,yml}`.

use std::path::{Path, PathBuf};

use crate::lint::settings::{Settings, SettingsError};

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] SettingsError),
}

/// Where files are looked for.
pub struct Places<'a> {
    pub cwd: &'a Path,
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
}

impl Places<'_> {
    /// hadolint's candidate files, in its order.
    fn hadolint_candidates(&self) -> Vec<PathBuf> {
        let mut out = vec![
            self.cwd.join(".hadolint.yaml"),
            self.cwd.join(".hadolint.yml"),
        ];
        let xdg = self
            .xdg_config_home
            .clone()
            .filter(|p| p.is_absolute())
            .or_else(|| self.home.as_ref().map(|h| h.join(".config")));
        if let Some(x) = xdg {
            out.push(x.join("hadolint.yaml"));
            out.push(x.join("hadolint.yml"));
        }
        if let Some(home) = &self.home {
            for name in ["hadolint.yaml", "hadolint.yml", "config.yaml", "config.yml"] {
                out.push(home.join(".hadolint").join(name));
            }
            out.push(home.join(".hadolint.yaml"));
            out.push(home.join(".hadolint.yml"));
        }
        out
    }
}

/// The settings from the files and the environment.
pub fn load(
    explicit: Option<&Path>,
    places: &Places<'_>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let (hadolint_file, dfc_file) = match explicit {
        Some(p) if p.extension().is_some_and(|e| e == "toml") => (None, Some(p.to_path_buf())),
        Some(p) => (Some(p.to_path_buf()), None),
        None => (
            places
                .hadolint_candidates()
                .into_iter()
                .find(|p| p.is_file()),
            Some(places.cwd.join(".dfc.toml")).filter(|p| p.is_file()),
        ),
    };
    let mut settings = Settings::default();
    if let Some(path) = hadolint_file {
        let text = read(&path)?;
        settings = Settings::from_hadolint_yaml(&text, &path.display().to_string())?;
    }
    settings = settings.over(Settings::from_env(env)?);
    if let Some(path) = dfc_file {
        let text = read(&path)?;
        settings = settings.over(Settings::from_dfc_toml(&text, &path.display().to_string())?);
    }
    Ok(settings)
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })
}
