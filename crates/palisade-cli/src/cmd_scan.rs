//! `palisade scan`: scan, record, report.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use palisade_domain::{
    FindingKind, FingerprintKey, ScanStatus, ScanSummary, TargetKind, Timestamp, TriageState,
};
use palisade_report::{ReportedFinding, RuleInfo, SCHEMA_VERSION, ScanReport, Tool};
use palisade_scanner::{
    Analyzers, Baseline, DEFAULT_MAX_FILE_SIZE, ProjectConfig, ScanOptions, scan_folder, scan_history,
};
use palisade_secrets::RuleSet;
use palisade_store::Store;

use crate::Outcome;
use crate::args::{Format, GlobalArgs, ScanArgs};
use crate::{keyfile, progress, store};

/// Scans left `running` this long ago belong to a process that died.
const STALE_SCAN_MS: i64 = 6 * 3600 * 1000;

pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Built-in rules plus any user rule files.
pub fn load_rules(files: &[PathBuf]) -> anyhow::Result<RuleSet> {
    let builtin = palisade_secrets::builtin().map_err(|e| anyhow!("built-in rules: {e}"))?;
    if files.is_empty() {
        return Ok(builtin);
    }
    let mut sources: Vec<(String, String)> = palisade_secrets::BUILTIN_FILES
        .iter()
        .map(|(n, t)| (format!("builtin:{n}"), (*t).to_owned()))
        .collect();
    for f in files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read rule file {}", f.display()))?;
        sources.push((f.display().to_string(), text));
    }
    RuleSet::from_yaml(&sources).map_err(|errs| {
        anyhow!(
            "invalid rules: {}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

fn config_for(args: &ScanArgs, target: &Path) -> anyhow::Result<ProjectConfig> {
    let path = match &args.config {
        Some(p) => {
            if !p.exists() {
                return Err(anyhow!("config file {} does not exist", p.display()));
            }
            p.clone()
        }
        None if target.is_dir() => target.join("palisade.toml"),
        None => return Ok(ProjectConfig::default()),
    };
    Ok(ProjectConfig::load(&path)?)
}

pub fn run(global: &GlobalArgs, args: &ScanArgs) -> anyhow::Result<Outcome> {
    let target = std::fs::canonicalize(&args.path).map_err(|e| {
        anyhow!(
            "cannot scan {}: {}",
            args.path.display(),
            e.kind().to_string().to_lowercase()
        )
    })?;
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let config = config_for(args, &target)?;
    let rules = config.select_rules(&load_rules(&args.rule_files)?, &args.enable, &args.disable)?;
    let exclude = config.exclude_set(&args.exclude)?;
    let allowlist = config.allowlist()?;
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let kinds: Vec<FindingKind> = if args.analyzers.is_empty() {
        FindingKind::ALL.to_vec()
    } else {
        args.analyzers.clone()
    };
    let code_rules = if kinds.contains(&FindingKind::Code) {
        Some(crate::analysis::load_code_rules(
            &args.code_rule_files,
            &args.enable,
            &args.disable,
        )?)
    } else {
        None
    };
    let analyzers = Analyzers {
        secrets: kinds.contains(&FindingKind::Secret),
        dependencies: kinds.contains(&FindingKind::Dependency),
        iac: kinds.contains(&FindingKind::Iac),
        code: code_rules.as_ref(),
    };
    let opts = ScanOptions {
        rules: &rules,
        key: &key,
        max_file_size: args
            .max_file_size
            .or(config.scan.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        respect_ignore: !args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        exclude: &exclude,
        allowlist: &allowlist,
        baseline: baseline.as_ref(),
        show_secrets: args.show_secrets,
        threads: args.threads,
        analyzers,
    };
    let kind = if args.history {
        TargetKind::GitHistory
    } else {
        TargetKind::Folder
    };
    let target_name = match kind {
        TargetKind::Folder => target.display().to_string(),
        TargetKind::GitHistory => format!("git:{}", target.display()),
    };
    let started = now();
    let mut summary = ScanSummary::started(
        uuid::Uuid::now_v7().to_string(),
        target_name,
        kind,
        rules.version().to_owned(),
        u32::try_from(rules.rules().len()).unwrap_or(u32::MAX),
        started,
        None,
    );

    let rt = store::runtime()?;
    let mut store_failed = false;
    let store: Option<Box<dyn Store>> = if args.no_store {
        None
    } else {
        match rt.block_on(open_and_begin(global, &key, &summary)) {
            Ok(s) => Some(s),
            Err(e) => {
                crate::report_error(&e.context("the scan goes on but will not be recorded"));
                store_failed = true;
                None
            }
        }
    };

    let bar = progress::Bar::new(!args.no_progress);
    let clock = std::time::Instant::now();
    let result = match kind {
        TargetKind::Folder => scan_folder(&target, &opts, &bar),
        TargetKind::GitHistory => scan_history(&target, &opts, &bar),
    };
    bar.finish();
    summary.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    summary.finished_at = Some(now());
    let mut output = match result {
        Ok(o) => o,
        Err(e) => {
            if let Some(s) = &store {
                summary.status = ScanStatus::Failed;
                summary.errors.push(palisade_domain::ScanError {
                    subject: summary.target.clone(),
                    message: e.to_string(),
                });
                if let Err(se) = rt.block_on(s.record_scan(&summary, &[], &[])) {
                    crate::report_error(&anyhow::Error::from(se).context("cannot record the failed scan"));
                }
            }
            return Err(e.into());
        }
    };
    if analyzers.dependencies {
        let added = rt.block_on(crate::analysis::add_dependency_findings(
            &mut output,
            store.as_deref(),
            args.advisories.as_deref(),
            &key,
            baseline.as_ref(),
        ));
        if let Err(e) = added {
            output.errors.push(palisade_domain::ScanError {
                subject: "dependencies".to_owned(),
                message: format!("{e:#}"),
            });
        }
    }
    summary.commit.clone_from(&output.commit);
    summary.files = output.files;
    summary.bytes = output.bytes;
    summary.blobs = output.blobs;
    summary.skipped_binary = output.skipped_binary;
    summary.skipped_too_large = output.skipped_too_large;
    summary.findings = output.findings.len() as u64;
    summary.suppressed = output.suppressed;
    summary.errors.clone_from(&output.errors);
    summary.status = if output.errors.is_empty() {
        ScanStatus::Completed
    } else {
        ScanStatus::CompletedWithErrors
    };

    if let Some(path) = &args.write_baseline {
        let n = Baseline::write(path, output.findings.iter().chain(&output.baselined), now())?;
        anstream::eprintln!("wrote {n} baseline entries to {}", path.display());
    }

    // Only a scan of the whole target with all rules may conclude that a
    // location it did not see is gone.
    let complete = args.enable.is_empty()
        && args.disable.is_empty()
        && args.exclude.is_empty()
        && args.baseline.is_none();
    let mut states: HashMap<_, TriageState> = HashMap::new();
    let mut new: Option<HashSet<_>> = None;
    if let Some(s) = &store {
        let complete: &[FindingKind] = if complete { &analyzers.kinds() } else { &[] };
        match rt.block_on(s.record_scan(&summary, &output.findings, complete)) {
            Ok(outcome) => {
                states.extend(outcome.states);
                new = Some(outcome.new.into_iter().collect());
            }
            Err(e) => {
                crate::report_error(&anyhow::Error::from(e).context("cannot record the scan"));
                store_failed = true;
            }
        }
    }

    let reported: Vec<ReportedFinding> = output
        .findings
        .into_iter()
        .map(|f| ReportedFinding {
            state: states.get(&f.id).copied().unwrap_or(TriageState::Open),
            new: new.as_ref().is_none_or(|n| n.contains(&f.id)),
            finding: f,
        })
        .collect();
    let report = ScanReport {
        schema_version: SCHEMA_VERSION.to_owned(),
        tool: tool(),
        rules: crate::analysis::rule_infos_for(&rules, code_rules.as_ref(), &reported),
        scan: summary,
        findings: reported,
    };
    write_report(args.format, args.output.as_deref(), &report)?;

    let failing = report
        .findings
        .iter()
        .any(|f| !f.state.is_dismissed() && f.finding.severity >= args.fail_on);
    Ok(if failing {
        Outcome::Findings
    } else if !report.scan.errors.is_empty() || store_failed {
        Outcome::Error
    } else {
        Outcome::Clean
    })
}

async fn open_and_begin(
    global: &GlobalArgs,
    key: &FingerprintKey,
    summary: &ScanSummary,
) -> anyhow::Result<Box<dyn Store>> {
    let s = store::open(global, key).await?;
    s.recover_interrupted(Timestamp::from_millis(
        summary.started_at.millis() - STALE_SCAN_MS,
    ))
    .await?;
    s.begin_scan(summary).await?;
    Ok(s)
}

pub fn tool() -> Tool {
    Tool {
        name: "palisade".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

pub fn rule_infos<'a>(rules: &RuleSet, ids: impl Iterator<Item = &'a str>) -> Vec<RuleInfo> {
    let wanted: HashSet<&str> = ids.collect();
    let mut infos: Vec<RuleInfo> = rules
        .rules()
        .iter()
        .filter(|r| wanted.contains(r.id.as_str()))
        .map(|r| RuleInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            severity: r.severity,
            confidence: r.confidence,
            description: r.description.trim().to_owned(),
            remediation: r.remediation.trim().to_owned(),
            references: r.references.clone(),
        })
        .collect();
    infos.sort_by(|a, b| a.id.cmp(&b.id));
    infos
}

/// Renders to stdout, or to a file written atomically.
fn write_report(format: Format, output: Option<&Path>, report: &ScanReport) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let color = output.is_none() && format == Format::Table && palisade_report::table::color_for_stdout();
    match format {
        Format::Table => palisade_report::table::render(report, &mut buf, color)?,
        Format::Json => palisade_report::json::render(report, &mut buf)?,
        Format::Sarif => palisade_report::sarif::render(report, &mut buf)?,
    }
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = dir.join(format!(".palisade-report.tmp{}", std::process::id()));
            std::fs::write(&tmp, &buf).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}
