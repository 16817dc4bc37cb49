//! `palisade jobs`: the background job queue.

use std::fmt::Write as _;

use anyhow::Context;
use palisade_store::{CancelSelector, JobFilter, JobId, JobState};

use crate::Outcome;
use crate::args::{GlobalArgs, JobsArgs, JobsCommand, OutFormat};
use crate::cmd_scan::now;
use crate::engine::{self, print, print_json};
use crate::store;

pub fn run(global: &GlobalArgs, args: &JobsArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine = engine::open(global).await?;
        let store = engine.store();
        match &args.command {
            JobsCommand::List { state, limit, format } => {
                let states = state
                    .iter()
                    .map(|s| {
                        JobState::parse(s).with_context(|| {
                            format!(
                                "unknown state {s:?}: expected queued, running, succeeded, dead or cancelled"
                            )
                        })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let jobs = store
                    .list_jobs(&JobFilter {
                        states,
                        limit: Some(*limit),
                        ..JobFilter::default()
                    })
                    .await?;
                if *format == OutFormat::Json {
                    print_json(&jobs)?;
                    return Ok(Outcome::Clean);
                }
                let mut out = String::new();
                writeln!(
                    out,
                    "{:36}  {:13}  {:9}  {:>8}  {:19}  SUBJECT",
                    "ID", "KIND", "STATE", "ATTEMPTS", "UPDATED"
                )?;
                for j in &jobs {
                    let subject = match (j.payload.get("repo_id"), j.payload.get("pull_request")) {
                        (Some(r), Some(pr)) => format!("repo {} PR {}", r.as_str().unwrap_or("?"), pr),
                        (Some(r), None) => format!("repo {}", r.as_str().unwrap_or("?")),
                        _ => j
                            .connector
                            .as_ref()
                            .map_or_else(String::new, |c| format!("connector {c}")),
                    };
                    writeln!(
                        out,
                        "{:36}  {:13}  {:9}  {:>8}  {:19}  {subject}",
                        j.id.as_str(),
                        j.kind,
                        j.state.as_str(),
                        format!("{}/{}", j.attempts, j.max_attempts),
                        j.updated_at.to_string()
                    )?;
                    if let Some(e) = &j.last_error
                        && j.state != JobState::Succeeded
                    {
                        writeln!(out, "    {e}")?;
                    }
                }
                print(&out)?;
            }
            JobsCommand::Cancel { ids } => {
                let ids = ids
                    .iter()
                    .map(|s| s.parse::<JobId>())
                    .collect::<Result<Vec<_>, _>>()?;
                let n = store.cancel_jobs(&CancelSelector::Ids(ids), now()).await?;
                print(&format!("{n} job(s) cancelled\n"))?;
            }
            JobsCommand::Retry { id } => {
                let job = store.retry_job(&id.parse::<JobId>()?, now()).await?;
                print(&format!("job {} ({}) queued again\n", job.id, job.kind))?;
            }
        }
        Ok(Outcome::Clean)
    })
}
