//! `palisade discover`: one discovery run per connector, optionally repeated.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use palisade_discovery::Progress;
use palisade_domain::{OrgName, Resource, Timestamp};
use palisade_engine::{DiscoverOptions, DiscoveryRunReport, Engine};
use palisade_store::{ConnectorRecord, DiscoveryStatus, ResourceFilter};
use serde::Serialize;

use crate::Outcome;
use crate::args::{DiscoverArgs, GlobalArgs, OutFormat};
use crate::engine::{self, print, print_json, terminal_safe};
use crate::store;

/// What changed in the inventory between before and after a run.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Changes {
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    pub restored: u64,
}

impl Changes {
    fn none(self) -> bool {
        self == Self::default()
    }
}

#[derive(Debug, Serialize)]
struct ConnectorRun {
    connector: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<DiscoveryRunReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<Changes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &DiscoverArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine = engine::open(global).await?;
        let Some(every) = args.every else {
            return round(&engine, args).await;
        };
        loop {
            let outcome = round(&engine, args).await?;
            let next = Timestamp::from_millis(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()
                    .and_then(|d| d.checked_add(every))
                    .map_or(i64::MAX, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            );
            anstream::eprintln!("next discovery at {next} UTC (Ctrl-C to stop)");
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = tokio::signal::ctrl_c() => return Ok(outcome),
            }
        }
    })
}

/// Discovers every selected connector once.
async fn round(engine: &Engine, args: &DiscoverArgs) -> anyhow::Result<Outcome> {
    let connectors: Vec<ConnectorRecord> = if args.all {
        engine.store().list_connectors().await?
    } else if args.names.is_empty() {
        vec![engine::pick_connector(engine, None).await?]
    } else {
        let mut v = Vec::new();
        for n in &args.names {
            v.push(engine.store().get_connector(n).await?);
        }
        v
    };
    if connectors.is_empty() {
        anyhow::bail!("no connector exists yet: create one with `palisade connector create`");
    }
    let show_bar = !args.no_progress && std::io::stderr().is_terminal();
    let mut runs = Vec::new();
    let mut failed = false;
    for c in &connectors {
        let name = c.config.name.to_string();
        let before = snapshot(engine, c).await?;
        let bar = progress_bar(show_bar, &name);
        let mut opts = DiscoverOptions {
            project_concurrency: args.project_concurrency,
            progress: None,
        };
        if let Some(bar) = &bar {
            opts.progress = Some(progress_callback(bar.clone()));
        }
        let result = engine.discover(c.id.as_str(), &opts).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        match result {
            Ok(report) => {
                let after = snapshot(engine, c).await?;
                let changes = diff(&before, &after);
                if report.run.status == DiscoveryStatus::Failed {
                    failed = true;
                }
                runs.push(ConnectorRun {
                    connector: name,
                    report: Some(report),
                    changes: Some(changes),
                    error: None,
                });
            }
            Err(e) => {
                failed = true;
                runs.push(ConnectorRun {
                    connector: name,
                    report: None,
                    changes: None,
                    error: Some(e.to_string()),
                });
            }
        }
    }
    match args.format {
        OutFormat::Json => print_json(&runs)?,
        OutFormat::Table => print(&summary(&runs)?)?,
    }
    for r in &runs {
        if let Some(e) = &r.error {
            anstream::eprintln!("error: discovery of {} failed: {}", r.connector, terminal_safe(e));
        }
    }
    Ok(if failed { Outcome::Error } else { Outcome::Clean })
}

fn progress_bar(enabled: bool, name: &str) -> Option<ProgressBar> {
    if !enabled {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix} {wide_msg} {elapsed}")
            .expect("static template is valid"),
    );
    bar.set_prefix(name.to_owned());
    bar.set_message("connecting");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

type ProgressFn = Arc<dyn Fn(&OrgName, Progress) + Send + Sync>;

fn progress_callback(bar: ProgressBar) -> ProgressFn {
    let per_org: Mutex<BTreeMap<String, Progress>> = Mutex::new(BTreeMap::new());
    Arc::new(move |org: &OrgName, p: Progress| {
        let mut map = per_org.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(org.to_string(), p);
        let parts: Vec<String> = map
            .iter()
            .map(|(o, p)| format!("{o}: {}/{} projects", p.projects_done, p.projects_total))
            .collect();
        let requests = map.values().map(|p| p.requests).max().unwrap_or(0);
        bar.set_message(format!("{}, {requests} requests", parts.join(", ")));
    })
}

/// key -> (content, removed)
type Snapshot = HashMap<String, (Resource, bool)>;

async fn snapshot(engine: &Engine, c: &ConnectorRecord) -> anyhow::Result<Snapshot> {
    let all = engine
        .store()
        .list_resources(&ResourceFilter {
            connector: Some(c.id.clone()),
            include_removed: true,
            ..ResourceFilter::default()
        })
        .await?;
    Ok(all
        .into_iter()
        .map(|r| (r.key.to_string(), (r.resource, r.removed_at.is_some())))
        .collect())
}

fn diff(before: &Snapshot, after: &Snapshot) -> Changes {
    let mut c = Changes::default();
    for (k, (res, removed)) in after {
        match before.get(k) {
            None if !removed => c.added += 1,
            Some((_, was_removed)) if *was_removed && !removed => c.restored += 1,
            Some((_, was_removed)) if !*was_removed && *removed => c.removed += 1,
            Some((old, _)) if old != res && !removed => c.changed += 1,
            _ => {}
        }
    }
    c
}

fn summary(runs: &[ConnectorRun]) -> anyhow::Result<String> {
    let mut out = String::new();
    for r in runs {
        let Some(rep) = &r.report else {
            writeln!(out, "{}: failed", r.connector)?;
            continue;
        };
        let run = &rep.run;
        writeln!(
            out,
            "{}: {} in {:.1} s{}",
            r.connector,
            run.status.as_str(),
            rep.elapsed_ms as f64 / 1000.0,
            if rep.resumed {
                " (resumed an interrupted run)"
            } else {
                ""
            }
        )?;
        for o in &rep.orgs {
            let total: u64 = o.counts.values().sum();
            let skipped = if o.listings_skipped > 0 {
                format!(", {} listings already done", o.listings_skipped)
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {}: {total} resources, {} listings{skipped}",
                o.org, o.listings_done
            )?;
        }
        for (kind, n) in &run.counts {
            writeln!(out, "    {kind:20} {n:>6}")?;
        }
        if let Some(ch) = r.changes {
            if ch.none() {
                writeln!(out, "  changes: none")?;
            } else {
                writeln!(
                    out,
                    "  changes: {} added, {} changed, {} removed, {} restored",
                    ch.added, ch.changed, ch.removed, ch.restored
                )?;
            }
        }
        writeln!(
            out,
            "  requests: {}, throttled (429): {}, errors: {}",
            run.requests,
            run.throttled,
            run.errors.len()
        )?;
        for e in &run.errors {
            writeln!(out, "    error: {e}")?;
        }
        match &rep.posture {
            Ok(p) => {
                let failed: u64 = p
                    .scores
                    .iter()
                    .filter(|(scope, _)| !scope.contains('/'))
                    .map(|(_, s)| s.failed)
                    .sum();
                writeln!(
                    out,
                    "  posture: {} checks, {} results, {failed} failing ({} newly), {} fixed: `palisade posture list --failed`",
                    p.evaluation.checks, p.evaluation.results, p.changes.newly_failing, p.changes.fixed
                )?;
            }
            Err(e) => writeln!(out, "  posture: not evaluated: {e}")?,
        }
    }
    Ok(out)
}
