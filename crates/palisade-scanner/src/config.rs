//! `palisade.toml`: settings that live beside the code, so nobody has to
//! edit scanned files to silence a scanner.
//!
//! ```toml
//! [scan]
//! exclude = ["vendor/**", "**/*.min.js"]
//! max_file_size = 10485760
//!
//! [rules]
//! enable = ["azure.*", "generic.*"]   # default: all
//! disable = ["generic.jwt"]
//!
//! [allowlist]
//! # sha256 of secret values silenced everywhere (e.g. test fixtures' fake keys):
//! # printf '%s' 'the-value' | sha256sum
//! secrets = ["sha256:3a6e..."]
//! ```

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use palisade_domain::SecretHash;
use palisade_secrets::RuleSet;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    #[serde(default)]
    pub scan: ScanSection,
    #[serde(default)]
    pub rules: RulesSection,
    #[serde(default)]
    pub allowlist: AllowlistSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    #[serde(default)]
    pub exclude: Vec<String>,
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    #[serde(default)]
    pub enable: Vec<String>,
    #[serde(default)]
    pub disable: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSection {
    #[serde(default)]
    pub secrets: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl ProjectConfig {
    /// Reads `palisade.toml` if it exists; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| err(crate::one_line(&e.to_string()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(err(e.to_string())),
        }
    }

    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError {
            path: "palisade.toml".into(),
            message: crate::one_line(&e.to_string()),
        })
    }

    pub fn exclude_set(&self, extra: &[String]) -> Result<GlobSet, ConfigError> {
        let mut b = GlobSetBuilder::new();
        for g in self.scan.exclude.iter().chain(extra) {
            let glob = GlobBuilder::new(g)
                .literal_separator(false)
                .build()
                .map_err(|e| ConfigError {
                    path: "exclude".into(),
                    message: format!("bad glob {g:?}: {e}"),
                })?;
            b.add(glob);
        }
        b.build().map_err(|e| ConfigError {
            path: "exclude".into(),
            message: e.to_string(),
        })
    }

    pub fn allowlist(&self) -> Result<Vec<SecretHash>, ConfigError> {
        self.allowlist
            .secrets
            .iter()
            .map(|s| {
                SecretHash::parse(s).ok_or_else(|| ConfigError {
                    path: "allowlist.secrets".into(),
                    message: format!("{s:?} is not sha256:<64 hex digits>"),
                })
            })
            .collect()
    }

    /// Applies `[rules] enable/disable` plus extra globs from the command line.
    pub fn select_rules(
        &self,
        rules: &RuleSet,
        enable: &[String],
        disable: &[String],
    ) -> Result<RuleSet, ConfigError> {
        let build = |globs: &mut dyn Iterator<Item = &String>| -> Result<Option<GlobSet>, ConfigError> {
            let mut b = GlobSetBuilder::new();
            let mut any = false;
            for g in globs {
                any = true;
                b.add(Glob::new(g).map_err(|e| ConfigError {
                    path: "rules".into(),
                    message: format!("bad rule glob {g:?}: {e}"),
                })?);
            }
            if !any {
                return Ok(None);
            }
            b.build().map(Some).map_err(|e| ConfigError {
                path: "rules".into(),
                message: e.to_string(),
            })
        };
        let on = build(&mut self.rules.enable.iter().chain(enable))?;
        let off = build(&mut self.rules.disable.iter().chain(disable))?;
        let selected = rules.filtered(|r| {
            on.as_ref().is_none_or(|s| s.is_match(r.id.as_str()))
                && !off.as_ref().is_some_and(|s| s.is_match(r.id.as_str()))
        });
        if selected.rules().is_empty() {
            return Err(ConfigError {
                path: "rules".into(),
                message: "the rule selection leaves no rule enabled".into(),
            });
        }
        Ok(selected)
    }
}
