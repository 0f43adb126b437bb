//! Which rules run: BuildKit's `# check=` configuration ([`CheckConfig`], parsed and
//! merged exactly as BuildKit's linter does) and the user's selection ([`Options`]).

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::Severity;
use super::rule::Rule;
use super::settings::{LabelType, Settings};

/// BuildKit's linter configuration: `skip=`, `experimental=`, `error=`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckConfig {
    pub skip_all: bool,
    pub skip: BTreeSet<String>,
    pub experimental_all: bool,
    pub experimental: BTreeSet<String>,
    /// `error=true`: findings fail the check. Only the file-level directive sets it.
    pub error: bool,
}

impl CheckConfig {
    /// BuildKit's `ParseLintOptions`: up to three `;`-separated `key=value` options.
    pub fn parse(text: &str) -> Result<CheckConfig, String> {
        let text = text.trim();
        let mut config = CheckConfig::default();
        if text.is_empty() {
            return Ok(config);
        }
        for part in text.splitn(3, ';') {
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!("invalid check option {}", go_quote(part)));
            };
            let value = value.trim();
            match key.trim() {
                "skip" if value == "all" => config.skip_all = true,
                "skip" => config.skip = value.split(',').map(|r| r.trim().to_string()).collect(),
                "experimental" if value == "all" => config.experimental_all = true,
                "experimental" => {
                    config.experimental = value.split(',').map(|r| r.trim().to_string()).collect()
                }
                "error" => match parse_go_bool(value) {
                    Some(b) => config.error = b,
                    None => {
                        return Err(format!(
                            "failed to parse check option {}: strconv.ParseBool: parsing {}: invalid syntax",
                            go_quote(part),
                            go_quote(value)
                        ))
                    }
                },
                other => return Err(format!("invalid check option {}", go_quote(other))),
            }
        }
        Ok(config)
    }

    /// BuildKit's `WithMergedConfig`: skips and experimental rules add up; `error` is kept.
    pub fn merged(&self, other: &CheckConfig) -> CheckConfig {
        let mut merged = self.clone();
        merged.skip_all |= other.skip_all;
        merged.experimental_all |= other.experimental_all;
        merged.skip.extend(other.skip.iter().cloned());
        merged
            .experimental
            .extend(other.experimental.iter().cloned());
        merged
    }

    /// BuildKit's `WithMergedConfigFromComments`: the first comment line that reads as a
    /// `check=` directive is merged (its value up to the first space); an invalid one is
    /// ignored.
    pub fn merged_from_comments(&self, comments: &[String]) -> CheckConfig {
        for comment in comments {
            let Some((name, value)) = comment_directive(comment) else {
                continue;
            };
            if name != "check" {
                continue;
            }
            let value = value.split(' ').next().unwrap_or_default();
            return match CheckConfig::parse(value) {
                Ok(other) => self.merged(&other),
                Err(_) => self.clone(),
            };
        }
        self.clone()
    }

    /// Whether `rule` runs under this configuration. Experimental rules ignore `skip`.
    pub fn enabled(&self, rule: &Rule) -> bool {
        if rule.experimental {
            self.experimental_all || self.experimental.contains(rule.code)
        } else {
            !(self.skip_all || self.skip.contains(rule.code))
        }
    }
}

/// `name=value` as BuildKit's directive parser reads a comment line (`#` already
/// removed): `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, name lower-cased and one of the
/// known directives.
fn comment_directive(line: &str) -> Option<(String, &str)> {
    let line = line.trim_start();
    let name_len = line
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(line.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let name = line[..name_len].to_ascii_lowercase();
    let rest = line[name_len..].trim_start().strip_prefix('=')?;
    let value = rest.trim();
    if value.is_empty() || !matches!(name.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((name, value))
}

fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn go_quote(text: &str) -> String {
    crate::shell::go_quote(text)
}

/// The user's choice of rules, on top of the Dockerfile's own `# check=` directives.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only these rule codes run (all when `None`).
    pub select: Option<BTreeSet<String>>,
    /// These rule codes never run.
    pub ignore: BTreeSet<String>,
    /// Run BuildKit's experimental rules too (`experimental=all`).
    pub experimental: bool,
    /// Severity per rule code, in place of the rule's own. Naming a rule that is off by
    /// default (experimental) here turns it on.
    pub overrides: BTreeMap<String, Severity>,
    /// BuildKit's check configuration in place of the file's `# check=` directive, as
    /// `BUILDKIT_DOCKERFILE_CHECK` does.
    pub check: Option<CheckConfig>,
    /// What hadolint's configurable rules need.
    pub hadolint: HadolintOptions,
}

/// The settings of hadolint's configurable rules and pragmas.
#[derive(Clone, Debug, Default)]
pub struct HadolintOptions {
    /// Registries `FROM` may use (DL3026); none means any.
    pub trusted_registries: Vec<String>,
    /// Required labels and the format of their values (DL3049–DL3058).
    pub label_schema: BTreeMap<String, LabelType>,
    /// Labels outside the schema are findings (DL3050).
    pub strict_labels: bool,
    /// `# hadolint ignore=` pragmas have no effect.
    pub disable_ignore_pragma: bool,
}

impl Options {
    /// The options that `settings` describe (the rule selection is the caller's).
    pub fn from_settings(settings: &Settings) -> Options {
        Options {
            ignore: settings.ignored.iter().cloned().collect(),
            overrides: settings.overrides.iter().cloned().collect(),
            check: settings.check.clone(),
            hadolint: HadolintOptions {
                trusted_registries: settings.trusted_registries.clone(),
                label_schema: settings.label_schema.clone(),
                strict_labels: settings.strict_labels.unwrap_or(false),
                disable_ignore_pragma: settings.disable_ignore_pragma.unwrap_or(false),
            },
            ..Options::default()
        }
    }

    /// The severity overridden for `code`, if any.
    pub fn severity_of(&self, code: &str) -> Option<Severity> {
        self.overrides
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .map(|(_, s)| *s)
    }

    /// Whether the user's selection lets `code` run.
    pub fn selects(&self, code: &str) -> bool {
        let matches = |set: &BTreeSet<String>| set.iter().any(|c| c.eq_ignore_ascii_case(code));
        !matches(&self.ignore) && self.select.as_ref().map_or(true, matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_buildkit_check_options() {
        let c = CheckConfig::parse("skip=A, B;error=true").unwrap();
        assert!(c.error);
        assert!(c.skip.contains("A") && c.skip.contains("B"));
        assert!(CheckConfig::parse("skip=all").unwrap().skip_all);
        assert!(CheckConfig::parse("bogus").is_err());
        assert!(CheckConfig::parse("error=maybe").is_err());
        assert_eq!(CheckConfig::parse("  ").unwrap(), CheckConfig::default());
    }

    #[test]
    fn comment_check_merges_first_directive_only() {
        let base = CheckConfig::default();
        let merged = base.merged_from_comments(&["check=skip=X extra".into()]);
        assert!(merged.skip.contains("X"));
        let untouched = base.merged_from_comments(&["just a comment".into()]);
        assert_eq!(untouched, base);
    }
}
