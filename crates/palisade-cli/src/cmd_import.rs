//! `palisade import sarif`: other tools' results as findings.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, anyhow};
use palisade_domain::{BlobId, FindingDetails, ScanStatus, ScanSummary, TargetKind, redact_preview};
use palisade_report::sarif_import::{MAX_SARIF_BYTES, import_sarif};
use serde::Serialize;

use crate::Outcome;
use crate::args::{Format, GlobalArgs, ImportArgs, ImportCommand};
use crate::cmd_scan::now;
use crate::engine::{print, print_json, warn};
use crate::{keyfile, store};

/// Files larger than this are not hashed for a result's location.
const MAX_SOURCE_BYTES: u64 = 64 << 20;

#[derive(Debug, Serialize)]
struct ImportReport {
    scan: String,
    target: String,
    tools: Vec<String>,
    results: u64,
    findings: usize,
    new: usize,
    skipped: usize,
}

pub fn run(global: &GlobalArgs, args: &ImportArgs) -> anyhow::Result<Outcome> {
    let ImportCommand::Sarif {
        file,
        repo,
        kind,
        format,
    } = &args.command;
    let checkout = std::fs::canonicalize(repo)
        .with_context(|| format!("cannot use {} as the checkout", repo.display()))?;
    if !checkout.is_dir() {
        return Err(anyhow!(
            "{} is not a folder: --repo names the checkout the SARIF describes",
            checkout.display()
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .take(MAX_SARIF_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let blob_of = |path: &str| blob_in(&checkout, path);
    let mut imported = import_sarif(&bytes, &key, *kind, &blob_of)
        .with_context(|| format!("cannot import {}", file.display()))?;
    // Another tool's message may quote what it found: a secret never
    // reaches the store in clear, whoever reported it.
    let secrets = crate::cmd_scan::load_rules(&[])?;
    for f in &mut imported.findings {
        if let Some(FindingDetails::Rule(d)) = &mut f.details {
            d.message = redact_secrets(&secrets, &d.message);
        }
        f.rule_name = redact_secrets(&secrets, &f.rule_name);
    }

    let started = now();
    let mut summary = ScanSummary::started(
        uuid::Uuid::now_v7().to_string(),
        checkout.display().to_string(),
        TargetKind::Folder,
        format!("sarif: {}", imported.tools.join(", ")),
        0,
        started,
        None,
    );
    summary.finished_at = Some(now());
    summary.findings = imported.findings.len() as u64;
    summary.errors.clone_from(&imported.errors);
    summary.status = if imported.errors.is_empty() {
        ScanStatus::Completed
    } else {
        ScanStatus::CompletedWithErrors
    };
    let rt = store::runtime()?;
    let outcome = rt.block_on(async {
        let s = store::open(global, &key).await?;
        s.begin_scan(&ScanSummary {
            status: ScanStatus::Running,
            finished_at: None,
            ..summary.clone()
        })
        .await?;
        // An import never closes findings: a tool's log says nothing about
        // what palisade's own analyzers of the same kind saw.
        anyhow::Ok(s.record_scan(&summary, &imported.findings, &[]).await?)
    })?;
    for e in &imported.errors {
        warn(&format!("{}: {}", e.subject, e.message));
    }
    let report = ImportReport {
        scan: summary.id.clone(),
        target: summary.target.clone(),
        tools: imported.tools,
        results: imported.results,
        findings: imported.findings.len(),
        new: outcome.new.len(),
        skipped: imported.errors.len(),
    };
    if *format == Format::Table {
        print(&format!(
            "imported {} results from {} into {} findings ({} new) for {}; {} skipped\n",
            report.results,
            report.tools.join(", "),
            report.findings,
            report.new,
            report.target,
            report.skipped
        ))?;
    } else {
        print_json(&report)?;
    }
    Ok(if report.skipped > 0 {
        Outcome::Error
    } else {
        Outcome::Clean
    })
}

/// `text` with every secret the built-in rules find replaced by its redacted preview.
fn redact_secrets(rules: &palisade_secrets::RuleSet, text: &str) -> String {
    let mut matches = Vec::new();
    rules.scan("sarif-message.txt", text.as_bytes(), &mut matches);
    if matches.is_empty() {
        return text.to_owned();
    }
    matches.sort_by_key(|m| m.secret_start);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for m in matches {
        if m.secret_start < at {
            continue;
        }
        out.extend_from_slice(&bytes[at..m.secret_start]);
        out.extend_from_slice(redact_preview(&bytes[m.secret_start..m.secret_end]).as_bytes());
        at = m.secret_end;
    }
    out.extend_from_slice(&bytes[at..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// The content id of `rel` in the checkout, if it is a regular file inside it.
fn blob_in(checkout: &Path, rel: &str) -> Option<BlobId> {
    let path = std::fs::canonicalize(checkout.join(rel)).ok()?;
    if !path.starts_with(checkout) {
        return None;
    }
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MAX_SOURCE_BYTES {
        return None;
    }
    std::fs::read(&path).ok().map(|b| BlobId::compute(&b))
}
