//! What `palisade scan` needs besides secrets: code rules, advisories for
//! the dependencies a scan found, and rule documentation for every kind.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use palisade_advisories::{Advisory, AdvisoryIndex, Limits, load_export, parse_records};
use palisade_domain::{Confidence, FindingDetails, FingerprintKey, StaticRule};
use palisade_report::{ReportedFinding, RuleInfo};
use palisade_scanner::{Baseline, ScanOutput, dependency_findings, manifest_packages};
use palisade_store::Store;

/// Built-in code rules plus any user rule files, selected by the same id
/// globs as `--rule` / `--exclude-rule`.
pub fn load_code_rules(
    files: &[PathBuf],
    enable: &[String],
    disable: &[String],
) -> anyhow::Result<palisade_sast::RuleSet> {
    let rules = palisade_sast::RuleSet::builtin().map_err(|e| anyhow!("built-in code rules: {e}"))?;
    let rules = if files.is_empty() {
        rules
    } else {
        rules
            .with_files(files)
            .map_err(|e| anyhow!("invalid code rules: {e}"))?
    };
    Ok(rules.filter(enable, disable))
}

/// Matches the manifests the scan read against the store's advisories (and
/// an export given with `--advisories`), adding the findings to `output`.
pub async fn add_dependency_findings(
    output: &mut ScanOutput,
    store: Option<&dyn Store>,
    export: Option<&Path>,
    key: &FingerprintKey,
    baseline: Option<&Baseline>,
) -> anyhow::Result<()> {
    let packages = manifest_packages(&output.manifests);
    if packages.is_empty() {
        return Ok(());
    }
    let mut advisories: Vec<Advisory> = Vec::new();
    let mut have_any = false;
    if let Some(store) = store {
        have_any = store.advisory_stats().await?.advisories > 0;
        let records = store.advisories_for(&packages).await?;
        let (stored, unreadable) = parse_records(records.iter().map(String::as_str));
        for e in unreadable {
            tracing::warn!("stored advisory cannot be read: {e}");
        }
        advisories.extend(stored);
    }
    if let Some(path) = export {
        let report = load_export(path, &Limits::default())
            .with_context(|| format!("cannot read advisories from {}", path.display()))?;
        have_any |= !report.advisories.is_empty();
        advisories.extend(report.advisories);
    }
    if !have_any {
        anstream::eprintln!(
            "warning: no advisories to match {} dependencies against; import an OSV export with \
             `palisade advisories import PATH` or pass `--advisories PATH`",
            packages.len()
        );
        return Ok(());
    }
    let index = AdvisoryIndex::new(advisories);
    let (findings, baselined, suppressed) =
        dependency_findings(&output.manifests, &index, key, baseline, None);
    output.findings.extend(findings);
    output.baselined.extend(baselined);
    output.suppressed += suppressed;
    palisade_scanner::sort_findings(&mut output.findings);
    Ok(())
}

fn static_info(rule: &StaticRule) -> Option<RuleInfo> {
    Some(RuleInfo {
        id: palisade_domain::RuleId::parse(rule.id).ok()?,
        name: rule.name.to_owned(),
        severity: rule.severity,
        confidence: Confidence::High,
        description: rule.description.trim().to_owned(),
        remediation: rule.remediation.trim().to_owned(),
        references: rule.references.iter().map(|&r| r.to_owned()).collect(),
    })
}

/// Documentation of every rule that has a finding in `reported`, whatever its kind.
pub fn rule_infos_for(
    secrets: &palisade_secrets::RuleSet,
    code: Option<&palisade_sast::RuleSet>,
    reported: &[ReportedFinding],
) -> Vec<RuleInfo> {
    let wanted: HashSet<&str> = reported.iter().map(|f| f.finding.rule_id.as_str()).collect();
    let mut infos = crate::cmd_scan::rule_infos(secrets, wanted.iter().copied());
    for rule in palisade_iac::rules().iter().chain(palisade_workflows::rules()) {
        if wanted.contains(rule.id)
            && let Some(info) = static_info(rule)
        {
            infos.push(info);
        }
    }
    if let Some(code) = code {
        for rule in code.rules().iter().filter(|r| wanted.contains(r.id.as_str())) {
            infos.push(RuleInfo {
                id: rule.id.clone(),
                name: rule.name.clone(),
                severity: rule.severity,
                confidence: rule.confidence,
                description: rule.description.trim().to_owned(),
                remediation: rule.remediation.trim().to_owned(),
                references: rule.references.clone(),
            });
        }
    }
    let mut seen: HashSet<String> = infos.iter().map(|i| i.id.as_str().to_owned()).collect();
    for f in reported {
        let Some(FindingDetails::Dependency(d)) = &f.finding.details else {
            continue;
        };
        if !seen.insert(f.finding.rule_id.as_str().to_owned()) {
            continue;
        }
        infos.push(RuleInfo {
            id: f.finding.rule_id.clone(),
            name: f.finding.rule_name.clone(),
            severity: f.finding.severity,
            confidence: f.finding.confidence,
            description: d
                .summary
                .clone()
                .unwrap_or_else(|| format!("{} ({})", d.advisory, d.aliases.join(", "))),
            remediation: d.fixed.as_ref().map_or_else(
                || {
                    format!(
                        "No fixed version of {} is known: consider replacing it or mitigating the flaw.",
                        d.package
                    )
                },
                |v| format!("Upgrade {} to {v} or later.", d.package),
            ),
            references: vec![format!("https://osv.dev/vulnerability/{}", d.advisory)],
        });
    }
    infos.sort_by(|a, b| a.id.cmp(&b.id));
    infos
}
