//! The scanner core: enumerates inputs, scans each distinct blob once on all
//! cores, and turns matches into findings.
//!
//! - [`scan_folder`] walks a directory (honouring `.gitignore` unless told
//!   not to) with the `ignore` crate's parallel walker.
//! - [`scan_history`] reads every blob reachable from all refs of a git
//!   repository through `palisade-git`, plus the working tree.
//! - [`scan_repo`] does the same for a (bare, cached) repository without a
//!   working tree, optionally only for what is new since earlier ref tips.
//! - [`scan_changes`] scans what a change (a pull request) adds: the lines
//!   it adds to the files it changes, nothing else.
//! - [`ProjectConfig`] is `palisade.toml`: path excludes, rule selection and
//!   the allowlist of secret hashes.
//! - [`Baseline`] silences findings that were accepted earlier.
//!
//! Content never outlives the scan of its blob: only matched secrets are kept,
//! and they leave this crate as keyed ids, hashes and redacted previews unless
//! the caller asks for them in clear.

mod analyze;
mod assemble;
mod baseline;
mod blobs;
mod changes;
mod config;
mod history;
mod walk;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

pub use analyze::{
    Analyzers, ManifestFile, advisory_rule_id, dependency_findings, manifest_packages, scan_tree,
};
pub use assemble::sort_findings;
pub use baseline::{Baseline, BaselineEntry, BaselineError};
pub use changes::scan_changes;
pub use config::{ConfigError, ProjectConfig};
pub use history::{scan_history, scan_repo};
pub use walk::scan_folder;

use palisade_domain::{Finding, FingerprintKey, ScanError, SecretHash};
use palisade_secrets::RuleSet;

/// Default size above which files are skipped (25 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 25 << 20;

/// Everything a scan needs besides its target.
#[derive(Debug)]
pub struct ScanOptions<'a> {
    pub rules: &'a RuleSet,
    pub key: &'a FingerprintKey,
    /// Files larger than this are skipped and counted.
    pub max_file_size: u64,
    /// Honour `.gitignore`, `.ignore` and git excludes when walking folders.
    pub respect_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_symlinks: bool,
    /// Path globs (relative to the target) never scanned.
    pub exclude: &'a globset::GlobSet,
    /// Hashes of secret values silenced everywhere.
    pub allowlist: &'a [SecretHash],
    pub baseline: Option<&'a Baseline>,
    /// Keep secrets in clear in the findings (`--show-secrets`).
    pub show_secrets: bool,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// What to look for besides (or instead of) secrets.
    pub analyzers: Analyzers<'a>,
}

/// Receives progress as bytes are scanned. Called from many threads.
pub trait Progress: Sync {
    /// Total bytes to scan, when known up front (history scans).
    fn set_total(&self, _bytes: u64) {}
    fn advance(&self, bytes: u64);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _bytes: u64) {}
}

/// Counters a scan fills in; merged into the [`palisade_domain::ScanSummary`].
#[derive(Debug, Default)]
pub struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub blobs: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_too_large: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    /// Findings silenced by the baseline (kept so `--write-baseline` can keep them).
    pub baselined: Vec<Finding>,
    /// Locations silenced by inline comments or the allowlist, plus baselined findings.
    pub suppressed: u64,
    pub files: u64,
    pub bytes: u64,
    pub blobs: u64,
    pub skipped_binary: u64,
    pub skipped_too_large: u64,
    pub errors: Vec<ScanError>,
    /// Dependency manifests read, for [`dependency_findings`] once the
    /// caller has the advisories of their packages.
    pub manifests: Vec<ManifestFile>,
    /// `HEAD` of the target, when it is a git repository.
    pub commit: Option<String>,
}

/// Fatal errors: the scan could not start. Per-file problems are not fatal;
/// they are listed in [`ScanOutput::errors`].
#[derive(Debug, thiserror::Error)]
pub enum ScanFailure {
    #[error("{0}: no such file or directory")]
    NotFound(String),
    #[error(transparent)]
    Git(#[from] palisade_git::GitError),
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

/// True when the first 8000 bytes hold a NUL, as git decides.
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(8000)]).is_some()
}

fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

fn one_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    line.chars().take(300).collect()
}
