//! `palisade findings list|show|triage`.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::anyhow;
use palisade_domain::{FindingId, RuleId};
use palisade_store::{FindingFilter, StoredFinding, Triage};

use crate::Outcome;
use crate::args::{FindingsArgs, FindingsCommand, Format, GlobalArgs};
use crate::cmd_scan::now;
use crate::{keyfile, store};

pub fn run(global: &GlobalArgs, args: &FindingsArgs) -> anyhow::Result<Outcome> {
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let rt = store::runtime()?;
    rt.block_on(async {
        let s = store::open(global, &key).await?;
        let mut out = String::new();
        match &args.command {
            FindingsCommand::List {
                state,
                kind,
                severity,
                rule,
                target,
                limit,
                format,
            } => {
                let filter = FindingFilter {
                    states: state.clone(),
                    kinds: kind.clone(),
                    min_severity: *severity,
                    rule_id: rule.as_deref().map(RuleId::parse).transpose()?,
                    target: target.clone(),
                    limit: Some(*limit),
                    ..FindingFilter::default()
                };
                let findings = s.list_findings(&filter).await?;
                if *format == Format::Table {
                    render_list(&mut out, &findings)?;
                } else {
                    out = serde_json::to_string_pretty(&findings)?;
                    out.push('\n');
                }
            }
            FindingsCommand::Show { id, format } => {
                let id = FindingId::from_hex(id)?;
                let f = s.get_finding(id).await?;
                let history = s.triage_history(id).await?;
                if *format == Format::Table {
                    render_one(&mut out, &f, &history)?;
                } else {
                    let h: Vec<_> = history
                        .iter()
                        .map(|t| serde_json::json!({"state": t.state, "comment": t.comment, "at": t.at}))
                        .collect();
                    out = serde_json::to_string_pretty(
                        &serde_json::json!({"finding": f, "triage_history": h}),
                    )?;
                    out.push('\n');
                }
            }
            FindingsCommand::Triage { id, state, comment } => {
                let id = FindingId::from_hex(id)?;
                if comment.as_ref().is_some_and(|c| c.len() > 4000) {
                    return Err(anyhow!("comment is longer than 4000 bytes"));
                }
                let f = s
                    .triage(
                        id,
                        &Triage {
                            state: *state,
                            comment: comment.clone(),
                            at: now(),
                        },
                    )
                    .await?;
                writeln!(out, "{} is now {}", f.id, f.state)?;
            }
        }
        std::io::stdout().lock().write_all(out.as_bytes())?;
        anyhow::Ok(Outcome::Clean)
    })
}

fn render_list(out: &mut String, findings: &[StoredFinding]) -> std::fmt::Result {
    if findings.is_empty() {
        return writeln!(out, "No findings.");
    }
    writeln!(
        out,
        "{:32}  {:8}  {:14}  {:36}  {:12}  {:>4}  FIRST LOCATION",
        "ID", "SEVERITY", "STATE", "RULE", "PREVIEW", "LOCS"
    )?;
    for f in findings {
        let first = f
            .locations
            .first()
            .map(|l| format!("{}:{}", l.location.path, l.location.line))
            .unwrap_or_default();
        writeln!(
            out,
            "{:32}  {:8}  {:14}  {:36}  {:12}  {:>4}  {first}",
            f.id.to_hex(),
            f.severity.as_str(),
            f.state.as_str(),
            f.rule_id.as_str(),
            f.preview,
            f.locations.len()
        )?;
    }
    writeln!(out, "{} finding(s)", findings.len())
}

fn render_one(out: &mut String, f: &StoredFinding, history: &[Triage]) -> std::fmt::Result {
    writeln!(out, "{}  {} ({})", f.id, f.rule_name, f.rule_id)?;
    writeln!(
        out,
        "severity {}  confidence {}  state {}",
        f.severity, f.confidence, f.state
    )?;
    writeln!(out, "secret {}  {}", f.preview, f.secret_hash)?;
    writeln!(out, "first seen {} (scan {})", f.first_seen_at, f.first_seen_scan)?;
    writeln!(out, "last seen  {} (scan {})", f.last_seen_at, f.last_seen_scan)?;
    writeln!(out, "locations:")?;
    for l in &f.locations {
        let gone = l
            .gone_at
            .map(|g| format!("  (gone since {g})"))
            .unwrap_or_default();
        write!(
            out,
            "  {}  {}:{}:{}",
            l.target, l.location.path, l.location.line, l.location.column
        )?;
        if let Some(c) = &l.location.commit {
            write!(
                out,
                "  commit {} by {} on {}",
                &c.id[..c.id.len().min(12)],
                c.author_name,
                c.date
            )?;
        }
        writeln!(out, "{gone}")?;
    }
    if !history.is_empty() {
        writeln!(out, "triage history:")?;
        for t in history {
            writeln!(
                out,
                "  {}  {}  {}",
                t.at,
                t.state,
                t.comment.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(())
}
