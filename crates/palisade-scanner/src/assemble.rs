//! Matches to findings: normalize, fingerprint, group, suppress, redact.

use std::collections::{HashMap, HashSet};

use palisade_domain::{Finding, FindingId, FindingKind, Location, SecretHash, redact_preview};

use crate::blobs::{Entry, Provenance};
use crate::{Baseline, ScanOptions};

/// Secrets spanning lines (PEM bodies) are compared without whitespace so
/// CRLF and LF checkouts give one finding.
fn normalize(secret: &[u8]) -> Vec<u8> {
    let trimmed = secret.trim_ascii();
    if trimmed.contains(&b'\n') || trimmed.contains(&b'\r') {
        trimmed
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect()
    } else {
        trimmed.to_vec()
    }
}

pub(crate) struct Assembled {
    pub findings: Vec<Finding>,
    pub baselined: Vec<Finding>,
    pub suppressed: u64,
}

/// Which locations a scan reports, by path and 1-based line (diff-aware
/// scans keep only lines a change adds).
pub(crate) type LocationFilter<'a> = &'a dyn Fn(&str, u32) -> bool;

pub(crate) fn assemble(
    opts: &ScanOptions<'_>,
    entries: Vec<Entry>,
    keep: Option<LocationFilter<'_>>,
) -> Assembled {
    let allow: HashSet<&SecretHash> = opts.allowlist.iter().collect();
    let mut by_id: HashMap<FindingId, Finding> = HashMap::new();
    let mut suppressed = 0u64;
    for entry in entries {
        for m in &entry.matches {
            // Sightings outside the filter do not exist for this scan: not
            // reported, not counted as suppressed.
            let seen: Vec<&Provenance> = entry
                .provenance
                .iter()
                .filter(|p| keep.is_none_or(|keep| keep(&p.path, m.line)))
                .collect();
            if seen.is_empty() {
                continue;
            }
            let sightings = seen.len() as u64;
            if m.inline_ignored {
                suppressed += sightings;
                continue;
            }
            let secret = normalize(&m.secret);
            let hash = SecretHash::of(&secret);
            if allow.contains(&hash) {
                suppressed += sightings;
                continue;
            }
            let rule = opts.rules.rule(m.rule);
            let id = opts.key.finding_id(&rule.id, &secret);
            let finding = by_id.entry(id).or_insert_with(|| Finding {
                id,
                kind: FindingKind::Secret,
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                severity: rule.severity,
                confidence: rule.confidence,
                preview: redact_preview(&secret),
                secret_hash: hash.clone(),
                details: None,
                secret: opts
                    .show_secrets
                    .then(|| String::from_utf8_lossy(&m.secret).into_owned()),
                locations: Vec::new(),
            });
            for p in seen {
                finding.locations.push(Location {
                    path: p.path.clone(),
                    line: m.line,
                    column: m.column,
                    blob_id: entry.blob,
                    commit: p.commit.as_deref().cloned(),
                });
            }
        }
    }
    let mut assembled = split_baselined(by_id, opts.baseline);
    assembled.suppressed += suppressed;
    assembled
}

/// Grouped findings made ready to report, whatever their kind: locations in
/// order (oldest commit first, then path and position) without repeats,
/// findings the baseline lists set apart (their locations counted as
/// suppressed), both lists in report order.
pub(crate) fn split_baselined(by_id: HashMap<FindingId, Finding>, baseline: Option<&Baseline>) -> Assembled {
    let mut findings = Vec::new();
    let mut baselined = Vec::new();
    let mut suppressed = 0;
    for (_, mut f) in by_id {
        f.locations.sort_by(|a, b| {
            (a.commit.as_ref().map(|c| c.date), &a.path, a.line, a.column).cmp(&(
                b.commit.as_ref().map(|c| c.date),
                &b.path,
                b.line,
                b.column,
            ))
        });
        f.locations.dedup();
        if baseline.is_some_and(|b| b.contains(&f.rule_id, &f.secret_hash)) {
            suppressed += f.locations.len() as u64;
            baselined.push(f);
        } else {
            findings.push(f);
        }
    }
    sort_findings(&mut findings);
    sort_findings(&mut baselined);
    Assembled {
        findings,
        baselined,
        suppressed,
    }
}

/// Highest severity first, then rule id, then first location.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| {
                let la = a.locations.first().map(|l| (&l.path, l.line));
                let lb = b.locations.first().map(|l| (&l.path, l.line));
                la.cmp(&lb)
            })
            .then_with(|| a.id.cmp(&b.id))
    });
}
