//! `palisade repos`: which repositories managed scans cover, their settings,
//! scans on demand and statistics.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use palisade_domain::{ManagedState, ScanStatus, Timestamp};
use palisade_engine::{Engine, RepoSelector, WorkerOptions};
use palisade_store::{ManagedRepoFilter, StoreError};

use crate::Outcome;
use crate::args::{GlobalArgs, OutFormat, RepoSelection, RepoSettingsArgs, ReposArgs, ReposCommand};
use crate::cmd_scan::now;
use crate::engine::{self, pick_connector, print, print_json};
use crate::store;

pub fn run(global: &GlobalArgs, args: &ReposArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        match &args.command {
            ReposCommand::List {
                connector,
                state,
                format,
            } => {
                list(
                    &engine::open(global).await?,
                    connector.as_deref(),
                    state.as_deref(),
                    *format,
                )
                .await
            }
            ReposCommand::Enable {
                selection,
                no_full,
                no_pr,
            } => set(&engine::open(global).await?, selection, !no_full, !no_pr).await,
            ReposCommand::Disable { selection } => {
                set(&engine::open(global).await?, selection, false, false).await
            }
            ReposCommand::Sync { connector } => {
                let engine = engine::open(global).await?;
                let record = pick_connector(&engine, connector.as_deref()).await?;
                let r = engine.sync_repos(&record).await?;
                print(&format!(
                    "{}: {} new repositories offered, {} enabled, {} archived, {} restored\n",
                    record.config.name, r.offered, r.enabled, r.archived, r.restored
                ))?;
                Ok(Outcome::Clean)
            }
            ReposCommand::Scan {
                connector,
                from_scratch,
                slots,
                no_wait,
            } => scan(global, connector.as_deref(), *from_scratch, *slots, *no_wait).await,
            ReposCommand::Settings(s) => settings(&engine::open(global).await?, s).await,
            ReposCommand::Stats {
                connector,
                days,
                format,
            } => stats(&engine::open(global).await?, connector.as_deref(), *days, *format).await,
        }
    })
}

fn selector(s: &RepoSelection) -> anyhow::Result<RepoSelector> {
    Ok(if s.all {
        RepoSelector::All
    } else if let Some(org) = &s.org {
        RepoSelector::Org(org.clone())
    } else if let Some(p) = &s.project {
        RepoSelector::Project {
            org: None,
            project: p.clone(),
        }
    } else if !s.repos.is_empty() {
        RepoSelector::Repos(s.repos.clone())
    } else {
        bail!("say which repositories: --all, --org ORG, --project PROJECT, or PROJECT/REPO ...")
    })
}

async fn set(engine: &Engine, s: &RepoSelection, full: bool, pr: bool) -> anyhow::Result<Outcome> {
    let sel = selector(s)?;
    let record = pick_connector(engine, s.connector.as_deref()).await?;
    let r = engine.set_scanning(&record, &sel, full, pr).await?;
    let mut out = String::new();
    let verb = if full || pr { "enabled" } else { "disabled" };
    writeln!(
        out,
        "{} repositories {verb} ({} changed)",
        record.config.name,
        r.changed.len()
    )?;
    for repo in &r.changed {
        writeln!(
            out,
            "  {}/{}/{}: full scans {}, PR scans {}",
            repo.org,
            repo.project,
            repo.name,
            on_off(repo.full_scans),
            on_off(repo.pr_scans)
        )?;
    }
    if r.scans_queued > 0 {
        writeln!(
            out,
            "{} full scans queued; `palisade serve` or `palisade worker` runs them (or `palisade repos scan`)",
            r.scans_queued
        )?;
    }
    if r.hooks_job {
        writeln!(out, "webhook subscriptions will be updated by the next worker")?;
    }
    print(&out)?;
    Ok(Outcome::Clean)
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

async fn list(
    engine: &Engine,
    connector: Option<&str>,
    state: Option<&str>,
    format: OutFormat,
) -> anyhow::Result<Outcome> {
    let record = pick_connector(engine, connector).await?;
    let states = match state {
        Some(s) => vec![ManagedState::parse(s).with_context(|| {
            format!("unknown state {s:?}: expected offered, enabled, disabled or archived")
        })?],
        None => Vec::new(),
    };
    let repos = engine
        .store()
        .list_managed_repos(&ManagedRepoFilter {
            connector: Some(record.id.clone()),
            states,
            ..ManagedRepoFilter::default()
        })
        .await?;
    if format == OutFormat::Json {
        print_json(&repos)?;
        return Ok(Outcome::Clean);
    }
    let mut out = String::new();
    writeln!(
        out,
        "{:40}  {:9}  {:4}  {:4}  {:21}  {:19}  LABELS",
        "REPOSITORY", "STATE", "FULL", "PR", "LAST SCAN", "LAST SUCCESS"
    )?;
    for r in &repos {
        let last = r.last_status.map_or("never", ScanStatus::as_str);
        writeln!(
            out,
            "{:40}  {:9}  {:4}  {:4}  {:21}  {:19}  {}",
            format!("{}/{}", r.project, r.name),
            r.state.as_str(),
            on_off(r.full_scans),
            on_off(r.pr_scans),
            last,
            r.last_success_at
                .map_or_else(|| "-".to_owned(), |t| t.to_string()),
            r.labels.join(",")
        )?;
        if let Some(e) = &r.last_error {
            writeln!(out, "    last error: {e}")?;
        }
    }
    print(&out)?;
    Ok(Outcome::Clean)
}

async fn scan(
    global: &GlobalArgs,
    connector: Option<&str>,
    from_scratch: bool,
    slots: usize,
    no_wait: bool,
) -> anyhow::Result<Outcome> {
    let engine = engine::open_scanning(global, None, slots.max(1)).await?;
    let record = pick_connector(&engine, connector).await?;
    if from_scratch {
        let repos = engine
            .store()
            .list_managed_repos(&ManagedRepoFilter {
                connector: Some(record.id.clone()),
                states: vec![ManagedState::Enabled],
                full_scans: Some(true),
                ..ManagedRepoFilter::default()
            })
            .await?;
        for r in &repos {
            engine
                .queue_full_scan(r, palisade_domain::ScanTrigger::Manual, true)
                .await?;
        }
    }
    if no_wait {
        let r = engine.schedule_connector(&record, true, now()).await?;
        print(&format!(
            "{} full scans queued ({} wait for the next batch)\n",
            r.queued, r.waiting
        ))?;
        return Ok(Outcome::Clean);
    }
    let opts = WorkerOptions {
        slots,
        ..WorkerOptions::default()
    };
    let clock = std::time::Instant::now();
    let r = engine.run_batches(&record, true, &opts).await?;
    let stats = engine
        .store()
        .scan_stats(&record.id, Timestamp::from_millis(now().millis() - 3_600_000))
        .await?;
    print(&format!(
        "{}: {} jobs succeeded, {} retrying, {} failed for good, in {:.1} s; {} of {} enabled repositories scanned successfully\n",
        record.config.name,
        r.worker.succeeded,
        r.worker.retried,
        r.worker.dead,
        clock.elapsed().as_secs_f64(),
        stats.repos_scanned,
        stats.repos_enabled,
    ))?;
    Ok(if r.worker.dead > 0 {
        Outcome::Error
    } else {
        Outcome::Clean
    })
}

async fn settings(engine: &Engine, a: &RepoSettingsArgs) -> anyhow::Result<Outcome> {
    let record = pick_connector(engine, a.connector.as_deref()).await?;
    let mut s = engine.store().scan_settings(&record.id).await?;
    let before = s.clone();
    if let Some(v) = a.auto_enable {
        s.auto_enable_new_repos = v;
    }
    if let Some(v) = a.interval_hours {
        s.full_scan_interval_hours = v;
    }
    if let Some(v) = a.discovery_interval_hours {
        s.discovery_interval_hours = v;
    }
    if let Some(v) = a.batch_size {
        s.batch_size = v;
    }
    if let Some(v) = a.webhooks {
        s.webhooks = v;
    }
    if let Some(v) = &a.webhook_url {
        s.webhook_url = if v.is_empty() {
            None
        } else {
            Some(v.trim_end_matches('/').to_owned())
        };
    }
    if let Some(v) = a.pr_comments {
        s.pr_comments = v;
    }
    for p in &a.comments_off {
        if !s
            .pr_comments_off_projects
            .iter()
            .any(|x| x.eq_ignore_ascii_case(p))
        {
            s.pr_comments_off_projects.push(p.clone());
        }
    }
    s.pr_comments_off_projects
        .retain(|x| !a.comments_on.iter().any(|p| p.eq_ignore_ascii_case(x)));
    if let Some(v) = a.max_threads {
        s.pr_max_threads = v;
    }
    if let Some(v) = a.fail_severity {
        s.pr_fail_severity = v;
    }
    if s != before {
        s.validate().map_err(anyhow::Error::msg)?;
        engine.set_scan_settings(&record, &s).await?;
    }
    if a.format == OutFormat::Json {
        print_json(&s)?;
    } else {
        let mut out = String::new();
        writeln!(out, "Managed-scan settings of {}", record.config.name)?;
        writeln!(
            out,
            "  auto-enable new repositories: {}",
            on_off(s.auto_enable_new_repos)
        )?;
        writeln!(
            out,
            "  full scan every:              {} hours (0: off)",
            s.full_scan_interval_hours
        )?;
        writeln!(
            out,
            "  discovery every:              {} hours (0: off)",
            s.discovery_interval_hours
        )?;
        writeln!(out, "  batch size:                   {}", s.batch_size)?;
        writeln!(out, "  webhooks:                     {}", on_off(s.webhooks))?;
        writeln!(
            out,
            "  webhook URL:                  {}",
            s.webhook_url.as_deref().unwrap_or("(not set: PR scans need it)")
        )?;
        writeln!(out, "  PR comments:                  {}", on_off(s.pr_comments))?;
        if !s.pr_comments_off_projects.is_empty() {
            writeln!(
                out,
                "  no PR comments in:            {}",
                s.pr_comments_off_projects.join(", ")
            )?;
        }
        writeln!(out, "  PR threads at most:           {}", s.pr_max_threads)?;
        writeln!(
            out,
            "  PR status fails at:           {} or above",
            s.pr_fail_severity
        )?;
        print(&out)?;
    }
    Ok(Outcome::Clean)
}

async fn stats(
    engine: &Engine,
    connector: Option<&str>,
    days: u32,
    format: OutFormat,
) -> anyhow::Result<Outcome> {
    let record = pick_connector(engine, connector).await?;
    let since = Timestamp::from_millis(now().millis() - i64::from(days) * 86_400_000);
    let s = match engine.store().scan_stats(&record.id, since).await {
        Ok(s) => s,
        Err(StoreError::NotFound(m)) => bail!("{m}"),
        Err(e) => return Err(e.into()),
    };
    if format == OutFormat::Json {
        print_json(&s)?;
        return Ok(Outcome::Clean);
    }
    let rate = if s.scans_finished == 0 {
        "-".to_owned()
    } else {
        format!(
            "{:.1}%",
            100.0 * s.scans_succeeded as f64 / s.scans_finished as f64
        )
    };
    let mut out = String::new();
    writeln!(out, "Managed scans of {} (last {days} days)", record.config.name)?;
    writeln!(
        out,
        "  repositories: {} enabled, {} scanned successfully, {} offered, {} archived",
        s.repos_enabled, s.repos_scanned, s.repos_offered, s.repos_archived
    )?;
    writeln!(
        out,
        "  scans: {} finished, {} succeeded (success rate {rate}), {} bytes scanned",
        s.scans_finished, s.scans_succeeded, s.bytes_scanned
    )?;
    if !s.last_failures.is_empty() {
        writeln!(out, "  last failures:")?;
        for (repo, scan, at, error) in &s.last_failures {
            writeln!(out, "    {at}  {repo}  scan {scan}: {error}")?;
        }
    }
    print(&out)?;
    Ok(Outcome::Clean)
}
