//! Baseline files: findings accepted once, silenced on later scans.
//!
//! Entries are keyed by rule id and the unkeyed `sha256:` of the secret, so a
//! baseline works on any machine and survives moved lines. Like a
//! detect-secrets baseline, it holds hashes of the secrets it silences: keep
//! it next to the code that already contains them.

use std::collections::HashSet;
use std::path::Path;

use palisade_domain::{Finding, RuleId, SecretHash, Timestamp};
use serde::{Deserialize, Serialize};

const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub rule_id: RuleId,
    pub secret_hash: SecretHash,
    /// Redacted, for people reading the file.
    pub preview: String,
    /// `path:line` of each location when the baseline was written.
    #[serde(default)]
    pub locations: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BaselineFile {
    palisade_baseline: u32,
    generated_at: Timestamp,
    entries: Vec<BaselineEntry>,
}

#[derive(Debug, Default)]
pub struct Baseline {
    keys: HashSet<(RuleId, SecretHash)>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {message}")]
    Read { path: String, message: String },
    #[error("baseline {path} is not a palisade baseline: {message}")]
    Format { path: String, message: String },
    #[error("cannot write baseline {path}: {message}")]
    Write { path: String, message: String },
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::parse(&text).map_err(|message| BaselineError::Format {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: BaselineFile = serde_json::from_str(text).map_err(|e| crate::one_line(&e.to_string()))?;
        if file.palisade_baseline != FORMAT {
            return Err(format!("unsupported baseline format {}", file.palisade_baseline));
        }
        Ok(Self {
            keys: file
                .entries
                .into_iter()
                .map(|e| (e.rule_id, e.secret_hash))
                .collect(),
        })
    }

    pub fn contains(&self, rule: &RuleId, hash: &SecretHash) -> bool {
        self.keys.contains(&(rule.clone(), hash.clone()))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Writes a baseline holding `findings`, atomically (temp file + rename),
    /// so an interrupted write never leaves a truncated baseline.
    pub fn write<'a>(
        path: &Path,
        findings: impl IntoIterator<Item = &'a Finding>,
        now: Timestamp,
    ) -> Result<usize, BaselineError> {
        let mut entries: Vec<BaselineEntry> = findings
            .into_iter()
            .map(|f| BaselineEntry {
                rule_id: f.rule_id.clone(),
                secret_hash: f.secret_hash.clone(),
                preview: f.preview.clone(),
                locations: f
                    .locations
                    .iter()
                    .map(|l| format!("{}:{}", l.path, l.line))
                    .collect(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.rule_id, &a.secret_hash).cmp(&(&b.rule_id, &b.secret_hash)));
        entries.dedup_by(|a, b| a.rule_id == b.rule_id && a.secret_hash == b.secret_hash);
        let count = entries.len();
        let file = BaselineFile {
            palisade_baseline: FORMAT,
            generated_at: now,
            entries,
        };
        let err = |e: &dyn std::fmt::Display| BaselineError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| err(&e))?;
        text.push('\n');
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp{}",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            std::process::id()
        ));
        std::fs::write(&tmp, text).map_err(|e| err(&e))?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(&e)
        })?;
        Ok(count)
    }
}
