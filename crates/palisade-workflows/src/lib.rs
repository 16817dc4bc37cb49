//! Security checks for CI/CD pipeline definitions, reported as
//! infrastructure-as-code findings: Azure Pipelines YAML and GitHub Actions
//! workflows (and composite actions).
//!
//! Pure and synchronous: the input is a path (only its name and folders are
//! looked at) and the file's bytes; nothing here walks folders or does IO.
//!
//! - [`framework_of`] says, cheaply, whether a file is ours: by path first
//!   (`.github/workflows/*.yml`, `azure-pipelines*.yml`, `.azuredevops/`, ...)
//!   and, for other `.yml`/`.yaml` files, by a sniff of the first few KiB.
//! - [`scan_file`] parses a file once into a position-aware YAML tree and runs
//!   every rule of its framework over it; each [`RuleMatch`] names its rule,
//!   the 1-based line and column of the offending key or value, and a
//!   `subject` that stays stable across unrelated edits and never holds a
//!   secret value.
//! - [`rules`] is the catalogue, sorted by id; each [`StaticRule`] carries its
//!   documentation and the examples its test runs through [`scan_file`].
//!
//! Every input is untrusted. Files over [`MAX_FILE_BYTES`] are refused; YAML
//! nested deeper than [`MAX_DEPTH`] is refused before it is walked; alias
//! expansion is capped, so an alias bomb fails instead of growing; text may be
//! UTF-8 (with or without a BOM) or UTF-16 with a BOM. Template expressions
//! (`${{ if ... }}:` as mapping keys or sequence items) are looked through, so
//! rules see every branch. Nothing panics: a file that cannot be read gives a
//! [`FileError`].
//!
//! ```
//! let yaml = b"trigger: [main]\npool:\n  vmImage: ubuntu-latest\nsteps:\n- checkout: self\n  persistCredentials: true\n";
//! assert_eq!(palisade_workflows::framework_of("azure-pipelines.yml", yaml), Some("azure-pipelines"));
//! let found = palisade_workflows::scan_file("azure-pipelines.yml", yaml)?;
//! assert_eq!(found[0].rule.id, "iac.azure-pipelines.checkout-persists-credentials");
//! assert_eq!((found[0].line, found[0].subject.as_str()), (6, "step 1 (checkout self)"));
//! # Ok::<(), palisade_workflows::FileError>(())
//! ```

#![deny(missing_docs)]

mod azure;
mod detect;
mod github;
mod rules;
mod text;
mod walk;
mod yaml;

pub use palisade_domain::{RuleMatch, StaticRule};

pub use crate::yaml::{MAX_DEPTH, MAX_FILE_BYTES};

/// Framework name of Azure Pipelines YAML files.
pub(crate) const AZURE_PIPELINES: &str = "azure-pipelines";
/// Framework name of GitHub Actions workflows and composite actions.
pub(crate) const GITHUB_ACTIONS: &str = "github-actions";

/// Every rule, sorted by id.
pub fn rules() -> &'static [&'static StaticRule] {
    rules::ALL
}

/// `"azure-pipelines"` or `"github-actions"`, from the path and a cheap sniff
/// of the head of the file; `None` when the file is not a pipeline definition.
///
/// Cheap enough to call on every file of a large tree: the path is looked at
/// first, and only `.yml`/`.yaml` files that no path rule claims have their
/// first few KiB read.
pub fn framework_of(path: &str, bytes: &[u8]) -> Option<&'static str> {
    detect::framework_of(path, bytes)
}

/// Whether [`framework_of`] may claim a file of this name, before reading it:
/// the filter for listings (a git tree) where reading is the cost.
pub fn may_read(path: &str) -> bool {
    detect::yaml_stem(path).is_some()
}

/// Runs every rule of the file's framework over it. `Ok(vec![])` for files
/// [`framework_of`] does not claim.
///
/// Matches are ordered by line, column, rule id and subject, without
/// duplicates.
pub fn scan_file(path: &str, bytes: &[u8]) -> Result<Vec<RuleMatch>, FileError> {
    let Some(framework) = framework_of(path, bytes) else {
        return Ok(Vec::new());
    };
    let (root, source) = yaml::parse(bytes).map_err(|e| FileError::from_yaml(framework, e))?;
    let Some(root) = root else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if framework == AZURE_PIPELINES {
        let pipeline = azure::Pipeline::new(&source, &root);
        for check in rules::AZURE_CHECKS {
            check(&pipeline, &mut out);
        }
    } else {
        let workflow = github::Workflow::new(path, &source, &root);
        for check in rules::GITHUB_CHECKS {
            check(&workflow, &mut out);
        }
    }
    out.sort_by(|a, b| {
        (a.line, a.column, a.rule.id, &a.subject).cmp(&(b.line, b.column, b.rule.id, &b.subject))
    });
    out.dedup_by(|a, b| {
        a.line == b.line && a.column == b.column && a.rule.id == b.rule.id && a.subject == b.subject
    });
    Ok(out)
}

/// A file [`framework_of`] claims but that cannot be read: not text, not
/// YAML, over a limit. Displays as `{framework}: {message}`, the message
/// starting with `line N: ` when the line is known.
#[derive(Debug, thiserror::Error)]
#[error("{framework}: {message}")]
pub struct FileError {
    /// `"azure-pipelines"` or `"github-actions"`.
    pub framework: &'static str,
    /// What is wrong, with the line when known (`line 3: ...`).
    pub message: String,
}

impl FileError {
    fn from_yaml(framework: &'static str, e: yaml::YamlError) -> Self {
        let message = match e.line {
            Some(line) => format!("line {line}: {}", e.message),
            None => e.message,
        };
        Self { framework, message }
    }
}
