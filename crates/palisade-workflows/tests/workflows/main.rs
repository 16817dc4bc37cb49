//! Integration tests, through the public API only: every rule's examples,
//! catalogue invariants, line numbers, detection, hostile input.

mod catalogue;
mod detect;
mod examples;
mod hostile;
mod lines;
mod props;

use palisade_workflows::{RuleMatch, scan_file};

/// Scans `text` under `path`, failing the test on a `FileError`.
fn scan(path: &str, text: &str) -> Vec<RuleMatch> {
    scan_file(path, text.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `rule-id-suffix L<line>:<col> <subject>` for each match of rules whose
/// id contains `filter`.
fn render(matches: &[RuleMatch], filter: &str) -> Vec<String> {
    matches
        .iter()
        .filter(|m| m.rule.id.contains(filter))
        .map(|m| {
            let short = m.rule.id.rsplit('.').next().unwrap_or(m.rule.id);
            format!("{short} L{}:{} {}", m.line, m.column, m.subject)
        })
        .collect()
}
