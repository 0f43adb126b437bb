//! Lint settings from configuration files and the environment: hadolint's
//! `.hadolint.yaml`, dfc's own `.dfc.toml` (`[lint]` table) and hadolint's `HADOLINT_*`
//! variables, each read into one [`Settings`] layer; [`Settings::over`] stacks layers.
//!
//! Pure: the caller finds and reads the files (see `cli::lint_config`) and passes the
//! environment as a lookup function. Unknown keys and bad values are errors naming the
//! file, line and column, and what is accepted there.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use super::config::CheckConfig;
use super::diagnostic::Severity;

/// The output formats `dfc lint` writes, by their `--format` names.
pub const FORMATS: &[&str] = &["human", "json", "sarif", "github", "checkstyle"];

/// One layer of lint settings. Lists add up across layers; a scalar set by a higher layer
/// wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Rule codes never reported.
    pub ignored: Vec<String>,
    /// Severity overrides, in the order they apply (a later one wins for the same code).
    pub overrides: Vec<(String, Severity)>,
    /// Registries `FROM` may name (DL3026); `*` wildcards at either end.
    pub trusted_registries: Vec<String>,
    /// Labels every stage must have, with the format of their values (DL3049–DL3058).
    pub label_schema: BTreeMap<String, LabelType>,
    /// Labels outside the schema are findings (DL3050).
    pub strict_labels: Option<bool>,
    /// `# hadolint ignore=` pragmas have no effect.
    pub disable_ignore_pragma: Option<bool>,
    /// The lowest severity that makes the exit status 1.
    pub failure_threshold: Option<Threshold>,
    /// Findings never make the exit status 1.
    pub no_fail: Option<bool>,
    /// No colour in human output.
    pub no_color: Option<bool>,
    /// Output format, one of [`FORMATS`].
    pub format: Option<String>,
    /// BuildKit's check configuration; like `BUILDKIT_DOCKERFILE_CHECK`, it replaces the
    /// file's own `# check=` directive.
    pub check: Option<CheckConfig>,
}

/// When findings fail the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threshold {
    /// Findings of this severity or above.
    AtLeast(Severity),
    /// Never (hadolint's `none` / `ignore`).
    Never,
}

/// The format a label's value must have (hadolint's label schema types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LabelType {
    Text,
    Url,
    Spdx,
    Hash,
    Rfc3339,
    Semver,
    Email,
}

impl FromStr for LabelType {
    type Err = String;
    fn from_str(s: &str) -> Result<LabelType, String> {
        Ok(match s {
            "text" | "" => LabelType::Text,
            "url" => LabelType::Url,
            "spdx" => LabelType::Spdx,
            "hash" => LabelType::Hash,
            "rfc3339" => LabelType::Rfc3339,
            "semver" => LabelType::Semver,
            "email" => LabelType::Email,
            other => {
                return Err(format!(
                    "invalid label type `{other}`; the types are text, url, spdx, hash, rfc3339, semver, email"
                ))
            }
        })
    }
}

impl FromStr for Threshold {
    type Err = String;
    fn from_str(s: &str) -> Result<Threshold, String> {
        match s {
            "ignore" | "none" => Ok(Threshold::Never),
            _ => Severity::parse(s).filter(|_| s == s.to_ascii_lowercase()).map(Threshold::AtLeast).ok_or_else(|| {
                format!("invalid failure threshold `{s}`; use error, warning, info, style, ignore or none")
            }),
        }
    }
}

/// A configuration file or variable that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// Bad content in a file, at a known place.
    #[error("{path}:{line}:{column}: {message}\n  help: {help}")]
    File {
        path: String,
        line: usize,
        column: usize,
        message: String,
        help: &'static str,
    },
    /// Bad content in a file, place unknown.
    #[error("{path}: {message}\n  help: {help}")]
    Whole {
        path: String,
        message: String,
        help: &'static str,
    },
    /// A `HADOLINT_*` variable with a bad value.
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
}

const YAML_HELP: &str = "`.hadolint.yaml` keys are ignored, trustedRegistries, label-schema, strict-labels, \
override (error, warning, info, style), failure-threshold, no-fail, no-color, verbose, format, formats, \
disable-ignore-pragma";
const TOML_HELP: &str =
    "`.dfc.toml` has one table, [lint], with keys ignored, trusted-registries, \
label-schema, strict-labels, override (error, warning, info, style), failure-threshold, no-fail, \
no-color, format, disable-ignore-pragma, check";

/// `override:` lists.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Override {
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    warning: Vec<String>,
    #[serde(default)]
    info: Vec<String>,
    #[serde(default)]
    style: Vec<String>,
}

impl Override {
    /// hadolint applies style, then info, warning, error: the most severe list wins.
    fn into_pairs(self) -> Vec<(String, Severity)> {
        let tag = |codes: Vec<String>, s: Severity| codes.into_iter().map(move |c| (c, s));
        tag(self.style, Severity::Style)
            .chain(tag(self.info, Severity::Info))
            .chain(tag(self.warning, Severity::Warning))
            .chain(tag(self.error, Severity::Error))
            .collect()
    }
}

fn from_str_de<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = String>,
{
    let text = String::deserialize(d)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

fn schema_de<'de, D>(d: D) -> Result<BTreeMap<String, LabelType>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Ty(#[serde(deserialize_with = "ty_de")] LabelType);
    fn ty_de<'de, D: Deserializer<'de>>(d: D) -> Result<LabelType, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
    let map = BTreeMap::<String, Ty>::deserialize(d)?;
    Ok(map.into_iter().map(|(k, Ty(t))| (k, t)).collect())
}

fn check_de<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CheckConfig>, D::Error> {
    let text = String::deserialize(d)?;
    CheckConfig::parse(&text).map(Some).map_err(|e| {
        serde::de::Error::custom(format!("{e}; write it as in `# check=skip=A,B;error=true`"))
    })
}

/// hadolint's configuration file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HadolintFile {
    #[serde(default)]
    ignored: Vec<String>,
    #[serde(default, rename = "trustedRegistries")]
    trusted_registries: Vec<String>,
    #[serde(default, rename = "label-schema", deserialize_with = "schema_de")]
    label_schema: BTreeMap<String, LabelType>,
    #[serde(rename = "strict-labels")]
    strict_labels: Option<bool>,
    #[serde(default, rename = "override")]
    overrides: Override,
    #[serde(
        default,
        rename = "failure-threshold",
        deserialize_with = "from_str_de"
    )]
    failure_threshold: Option<Threshold>,
    #[serde(rename = "no-fail")]
    no_fail: Option<bool>,
    #[serde(rename = "no-color")]
    no_color: Option<bool>,
    /// Accepted for compatibility; dfc has no verbose mode.
    #[allow(dead_code)]
    verbose: Option<bool>,
    format: Option<String>,
    #[serde(default)]
    formats: Vec<String>,
    #[serde(rename = "disable-ignore-pragma")]
    disable_ignore_pragma: Option<bool>,
}

/// dfc's own file: a `[lint]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DfcFile {
    #[serde(default)]
    lint: Option<DfcLint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DfcLint {
    #[serde(default)]
    ignored: Vec<String>,
    #[serde(default)]
    trusted_registries: Vec<String>,
    #[serde(default, deserialize_with = "schema_de")]
    label_schema: BTreeMap<String, LabelType>,
    strict_labels: Option<bool>,
    #[serde(default, rename = "override")]
    overrides: Override,
    #[serde(default, deserialize_with = "from_str_de")]
    failure_threshold: Option<Threshold>,
    no_fail: Option<bool>,
    no_color: Option<bool>,
    format: Option<String>,
    disable_ignore_pragma: Option<bool>,
    #[serde(default, deserialize_with = "check_de")]
    check: Option<CheckConfig>,
}

/// hadolint's format names → dfc's (`tty` is `human`); `None` for formats dfc lacks.
fn hadolint_format(name: &str) -> Option<&'static str> {
    match name {
        "tty" => Some("human"),
        "json" => Some("json"),
        "sarif" => Some("sarif"),
        "checkstyle" => Some("checkstyle"),
        _ => None,
    }
}

impl Settings {
    /// Reads a `.hadolint.yaml`. `path` is only used in errors. An empty file is an empty
    /// configuration.
    pub fn from_hadolint_yaml(text: &str, path: &str) -> Result<Settings, SettingsError> {
        if text.trim().is_empty() {
            return Ok(Settings::default());
        }
        let file: HadolintFile = serde_norway::from_str(text).map_err(|e| {
            let message = strip_location(&e.to_string());
            match e.location() {
                Some(l) => SettingsError::File {
                    path: path.to_string(),
                    line: l.line(),
                    column: l.column(),
                    message,
                    help: YAML_HELP,
                },
                None => SettingsError::Whole {
                    path: path.to_string(),
                    message,
                    help: YAML_HELP,
                },
            }
        })?;
        let mut names = file.formats;
        names.extend(file.format);
        if names.len() > 1 {
            return Err(SettingsError::Whole {
                path: path.to_string(),
                message: format!(
                    "several output formats ({}); dfc writes one",
                    names.join(", ")
                ),
                help: "keep one `format:`",
            });
        }
        let format = match names.pop() {
            None => None,
            Some(name) => Some(
                hadolint_format(&name)
                    .ok_or_else(|| SettingsError::Whole {
                        path: path.to_string(),
                        message: format!("output format `{name}` is not one dfc writes"),
                        help: "use tty, json, sarif or checkstyle (dfc also writes github from the command line)",
                    })?
                    .to_string(),
            ),
        };
        Ok(Settings {
            ignored: file.ignored,
            overrides: file.overrides.into_pairs(),
            trusted_registries: file.trusted_registries,
            label_schema: file.label_schema,
            strict_labels: file.strict_labels,
            disable_ignore_pragma: file.disable_ignore_pragma,
            failure_threshold: file.failure_threshold,
            no_fail: file.no_fail,
            no_color: file.no_color,
            format,
            check: None,
        })
    }

    /// Reads the `[lint]` table of a `.dfc.toml`. `path` is only used in errors.
    pub fn from_dfc_toml(text: &str, path: &str) -> Result<Settings, SettingsError> {
        let file: DfcFile = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let (line, column) = line_column(text, span.start);
                    SettingsError::File {
                        path: path.to_string(),
                        line,
                        column,
                        message,
                        help: TOML_HELP,
                    }
                }
                None => SettingsError::Whole {
                    path: path.to_string(),
                    message,
                    help: TOML_HELP,
                },
            }
        })?;
        let Some(lint) = file.lint else {
            return Ok(Settings::default());
        };
        if let Some(f) = &lint.format {
            if !FORMATS.contains(&f.as_str()) {
                return Err(SettingsError::Whole {
                    path: path.to_string(),
                    message: format!("[lint] format `{f}` is not one dfc writes"),
                    help: "use human, json, sarif, github or checkstyle",
                });
            }
        }
        Ok(Settings {
            ignored: lint.ignored,
            overrides: lint.overrides.into_pairs(),
            trusted_registries: lint.trusted_registries,
            label_schema: lint.label_schema,
            strict_labels: lint.strict_labels,
            disable_ignore_pragma: lint.disable_ignore_pragma,
            failure_threshold: lint.failure_threshold,
            no_fail: lint.no_fail,
            no_color: lint.no_color,
            format: lint.format,
            check: lint.check,
        })
    }

    /// hadolint's variables: `HADOLINT_NOFAIL`, `HADOLINT_FORMAT`, `HADOLINT_IGNORE`,
    /// `HADOLINT_OVERRIDE_{ERROR,WARNING,INFO,STYLE}`, `HADOLINT_TRUSTED_REGISTRIES`,
    /// `HADOLINT_REQUIRE_LABELS` (`name:type,…`), `HADOLINT_STRICT_LABELS`,
    /// `HADOLINT_DISABLE_IGNORE_PRAGMA`, `HADOLINT_FAILURE_THRESHOLD`, and `NO_COLOR`.
    /// Lists are comma-separated; booleans are true for 1, y, on, true, yes (any case).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let list = |name: &str| -> Vec<String> {
            var(name)
                .map(|v| v.split(',').map(str::to_string).collect())
                .unwrap_or_default()
        };
        let truthy = |name: &str| {
            var(name).map(|v| {
                matches!(
                    v.to_ascii_lowercase().as_str(),
                    "1" | "y" | "on" | "true" | "yes"
                )
            })
        };
        let mut s = Settings {
            ignored: list("HADOLINT_IGNORE"),
            trusted_registries: list("HADOLINT_TRUSTED_REGISTRIES"),
            strict_labels: truthy("HADOLINT_STRICT_LABELS"),
            disable_ignore_pragma: truthy("HADOLINT_DISABLE_IGNORE_PRAGMA"),
            no_fail: truthy("HADOLINT_NOFAIL"),
            no_color: var("NO_COLOR").map(|_| true),
            ..Settings::default()
        };
        for (name, severity) in [
            ("HADOLINT_OVERRIDE_STYLE", Severity::Style),
            ("HADOLINT_OVERRIDE_INFO", Severity::Info),
            ("HADOLINT_OVERRIDE_WARNING", Severity::Warning),
            ("HADOLINT_OVERRIDE_ERROR", Severity::Error),
        ] {
            s.overrides
                .extend(list(name).into_iter().map(|c| (c, severity)));
        }
        for pair in list("HADOLINT_REQUIRE_LABELS") {
            let (name, ty) =
                parse_label_requirement(&pair).map_err(|message| SettingsError::Env {
                    name: "HADOLINT_REQUIRE_LABELS",
                    message,
                })?;
            s.label_schema.insert(name, ty);
        }
        if let Some(v) = var("HADOLINT_FAILURE_THRESHOLD") {
            s.failure_threshold = Some(v.parse().map_err(|message| SettingsError::Env {
                name: "HADOLINT_FAILURE_THRESHOLD",
                message,
            })?);
        }
        if let Some(v) = var("HADOLINT_FORMAT") {
            let name = hadolint_format(&v).ok_or_else(|| SettingsError::Env {
                name: "HADOLINT_FORMAT",
                message: format!(
                    "output format `{v}` is not one dfc writes; use tty, json, sarif or checkstyle"
                ),
            })?;
            s.format = Some(name.to_string());
        }
        Ok(s)
    }

    /// This layer with `higher` on top: lists add up, `higher`'s scalars win.
    pub fn over(self, higher: Settings) -> Settings {
        let mut s = self;
        s.ignored.extend(higher.ignored);
        s.overrides.extend(higher.overrides);
        s.trusted_registries.extend(higher.trusted_registries);
        s.label_schema.extend(higher.label_schema);
        s.strict_labels = higher.strict_labels.or(s.strict_labels);
        s.disable_ignore_pragma = higher.disable_ignore_pragma.or(s.disable_ignore_pragma);
        s.failure_threshold = higher.failure_threshold.or(s.failure_threshold);
        s.no_fail = higher.no_fail.or(s.no_fail);
        s.no_color = higher.no_color.or(s.no_color);
        s.format = higher.format.or(s.format);
        s.check = higher.check.or(s.check);
        s
    }
}

/// `name:type` as in hadolint's `--require-label` (a missing type is `text`).
pub fn parse_label_requirement(text: &str) -> Result<(String, LabelType), String> {
    let (name, ty) = text.split_once(':').unwrap_or((text, ""));
    if name.is_empty() {
        return Err(format!(
            "`{text}` names no label; write name:type, e.g. maintainer:text"
        ));
    }
    Ok((name.to_string(), ty.parse()?))
}

impl fmt::Display for LabelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LabelType::Text => "text",
            LabelType::Url => "url",
            LabelType::Spdx => "spdx",
            LabelType::Hash => "hash",
            LabelType::Rfc3339 => "rfc3339",
            LabelType::Semver => "semver",
            LabelType::Email => "email",
        })
    }
}

/// serde_norway appends " at line L column C" to its messages; the error shows the place
/// in front instead.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hadolint_yaml_keys() {
        let s = Settings::from_hadolint_yaml(
            "ignored: [DL3008]\ntrustedRegistries:\n  - docker.io\nlabel-schema:\n  author: text\n  url: url\nstrict-labels: true\noverride:\n  error: [DL3006]\n  info: [DL3006]\nfailure-threshold: warning\nformat: tty\n",
            ".hadolint.yaml",
        )
        .unwrap();
        assert_eq!(s.ignored, ["DL3008"]);
        assert_eq!(s.trusted_registries, ["docker.io"]);
        assert_eq!(s.label_schema.get("url"), Some(&LabelType::Url));
        assert_eq!(s.strict_labels, Some(true));
        assert_eq!(
            s.overrides,
            [
                ("DL3006".into(), Severity::Info),
                ("DL3006".into(), Severity::Error)
            ]
        );
        assert_eq!(
            s.failure_threshold,
            Some(Threshold::AtLeast(Severity::Warning))
        );
        assert_eq!(s.format.as_deref(), Some("human"));
    }

    #[test]
    fn unknown_yaml_key_names_the_line() {
        let e = Settings::from_hadolint_yaml("ignored: []\ntrustedregistries: [x]\n", "h.yaml")
            .unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.starts_with("h.yaml:2:1: unknown field `trustedregistries`"),
            "{shown}"
        );
        let e = Settings::from_hadolint_yaml("label-schema:\n  a: link\n", "h.yaml").unwrap_err();
        assert!(e.to_string().contains("h.yaml:2:"), "{e}");
        assert!(e.to_string().contains("invalid label type `link`"), "{e}");
    }

    #[test]
    fn dfc_toml_lint_table() {
        let s = Settings::from_dfc_toml(
            "[lint]\ntrusted-registries = [\"ghcr.io\"]\ncheck = \"skip=StageNameCasing;error=true\"\n[lint.override]\nstyle = [\"DL3007\"]\n",
            ".dfc.toml",
        )
        .unwrap();
        assert_eq!(s.trusted_registries, ["ghcr.io"]);
        assert!(s.check.as_ref().unwrap().error);
        assert_eq!(s.overrides, [("DL3007".into(), Severity::Style)]);
        let e = Settings::from_dfc_toml("[lint]\nignore = []\n", ".dfc.toml").unwrap_err();
        assert!(
            e.to_string()
                .starts_with(".dfc.toml:2:1: unknown field `ignore`"),
            "{e}"
        );
        let e = Settings::from_dfc_toml("[lint]\ncheck = \"skip\"\n", ".dfc.toml").unwrap_err();
        assert!(e.to_string().contains(".dfc.toml:2:"), "{e}");
    }

    #[test]
    fn environment_and_layers() {
        let env = |name: &str| match name {
            "HADOLINT_IGNORE" => Some("DL3000,DL3001".to_string()),
            "HADOLINT_REQUIRE_LABELS" => Some("a:url,b".to_string()),
            "HADOLINT_NOFAIL" => Some("Yes".to_string()),
            _ => None,
        };
        let s = Settings::from_env(env).unwrap();
        assert_eq!(s.ignored, ["DL3000", "DL3001"]);
        assert_eq!(s.label_schema.get("b"), Some(&LabelType::Text));
        assert_eq!(s.no_fail, Some(true));
        let top = Settings {
            no_fail: Some(false),
            ignored: vec!["X".into()],
            ..Settings::default()
        };
        let merged = s.over(top);
        assert_eq!(merged.no_fail, Some(false));
        assert_eq!(merged.ignored, ["DL3000", "DL3001", "X"]);
        let bad =
            Settings::from_env(|n| (n == "HADOLINT_FAILURE_THRESHOLD").then(|| "loud".to_string()));
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("HADOLINT_FAILURE_THRESHOLD"));
    }
}
