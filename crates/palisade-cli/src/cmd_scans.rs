//! `palisade scans list` and `palisade scans logs`.

use std::fmt::Write as _;

use palisade_domain::ScanSummary;
use palisade_engine::RepoSelector;
use palisade_store::{ManagedRepoFilter, Store};

use crate::Outcome;
use crate::args::{Format, GlobalArgs, ScansArgs, ScansCommand};
use crate::engine::{print, terminal_safe};
use crate::{keyfile, store};

pub fn run(global: &GlobalArgs, args: &ScansArgs) -> anyhow::Result<Outcome> {
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let rt = store::runtime()?;
    rt.block_on(async {
        let s = store::open(global, &key).await?;
        match &args.command {
            ScansCommand::List { limit, repo, format } => {
                let scans = match repo {
                    Some(r) => s.repo_scans(&repo_target(s.as_ref(), r).await?, *limit).await?,
                    None => s.list_scans(*limit).await?,
                };
                list(&scans, *format)
            }
            ScansCommand::Logs { id } => {
                let scan = s.get_scan(id).await?;
                let lines = s.scan_log(id).await?;
                let mut out = String::new();
                writeln!(
                    out,
                    "scan {} of {}: {} ({} ms)",
                    scan.id,
                    scan.target,
                    scan.status.as_str(),
                    scan.duration_ms
                )?;
                if lines.is_empty() {
                    writeln!(out, "(no log lines: scans started by `palisade scan` keep none)")?;
                }
                for l in &lines {
                    writeln!(out, "{}  {:5}  {}", l.at, l.level, l.message)?;
                }
                print(&out)?;
                Ok(Outcome::Clean)
            }
        }
    })
}

/// A repository's scan target from `project/repo`, `org/project/repo` or the target itself.
async fn repo_target(s: &dyn Store, name: &str) -> anyhow::Result<String> {
    let repos = s.list_managed_repos(&ManagedRepoFilter::default()).await?;
    let by_name = RepoSelector::Repos(vec![name.to_owned()]);
    let found = repos.iter().find(|r| r.target == name || by_name.matches(r));
    match found {
        Some(r) => Ok(r.target.clone()),
        None => anyhow::bail!("no managed repository {name:?}: see `palisade repos list`"),
    }
}

fn list(scans: &[ScanSummary], format: Format) -> anyhow::Result<Outcome> {
    let mut out = String::new();
    match format {
        Format::Json | Format::Sarif => {
            out = serde_json::to_string_pretty(scans)?;
            out.push('\n');
        }
        Format::Table => {
            writeln!(
                out,
                "{:36}  {:19}  {:21}  {:12}  {:>8}  {:>8}  TARGET",
                "ID", "STARTED", "STATUS", "TRIGGER", "FINDINGS", "ERRORS"
            )?;
            for s in scans {
                writeln!(
                    out,
                    "{:36}  {:19}  {:21}  {:12}  {:>8}  {:>8}  {}",
                    s.id,
                    s.started_at.to_string(),
                    s.status.as_str(),
                    s.context.as_ref().map_or("cli", |c| c.trigger.as_str()),
                    s.findings,
                    s.errors.len(),
                    terminal_safe(&s.target)
                )?;
            }
        }
    }
    print(&out)?;
    Ok(Outcome::Clean)
}
