//! Integration tests through the public API: every rule's own examples,
//! the catalogue's invariants, line numbers, framework detection and
//! hostile input.

mod catalogue;
mod examples;
mod frameworks;
mod hostile;
mod lines;
mod perf;

use palisade_iac::{RuleMatch, scan_file};

/// Scans and fails the test on a parse error.
fn scan(path: &str, text: &str) -> Vec<RuleMatch> {
    scan_file(path, text.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}\n{text}"))
}

/// The matches of one rule as `(line, subject)`.
fn hits(path: &str, text: &str, rule: &str) -> Vec<(u32, String)> {
    scan(path, text)
        .into_iter()
        .filter(|m| m.rule.id == rule)
        .map(|m| (m.line, m.subject))
        .collect()
}
