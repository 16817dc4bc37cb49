//! `palisade advisories import` and `palisade advisories status`.

use std::fmt::Write as _;

use anyhow::Context;
use palisade_advisories::{Limits, OsvRecord, read_export_with_bytes};
use palisade_store::{AdvisoryRow, ImportCounts, Store};
use serde::Serialize;

use crate::Outcome;
use crate::args::{AdvisoriesArgs, AdvisoriesCommand, Format, GlobalArgs};
use crate::engine::{print, print_json, warn};
use crate::{keyfile, store};

/// Records per store transaction: big enough to amortize a commit, small
/// enough that a killed import loses little and holds no lock for long.
const BATCH: usize = 2_000;

#[derive(Debug, Default, Serialize)]
struct ImportReport {
    #[serde(flatten)]
    counts: ImportCounts,
    /// Records that could not be read (each reported on stderr).
    errors: u64,
}

pub fn run(global: &GlobalArgs, args: &AdvisoriesArgs) -> anyhow::Result<Outcome> {
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let rt = store::runtime()?;
    rt.block_on(async {
        let s = store::open(global, &key).await?;
        match &args.command {
            AdvisoriesCommand::Import { path, format } => {
                let report = import(s.as_ref(), path).await?;
                if *format == Format::Table {
                    print(&format!(
                        "imported advisories from {}: {} added, {} updated, {} unchanged, {} withdrawn removed, {} unreadable\n",
                        path.display(),
                        report.counts.added,
                        report.counts.updated,
                        report.counts.unchanged,
                        report.counts.removed,
                        report.errors
                    ))?;
                } else {
                    print_json(&report)?;
                }
                Ok(if report.errors > 0 { Outcome::Error } else { Outcome::Clean })
            }
            AdvisoriesCommand::Status { format } => {
                let stats = s.advisory_stats().await?;
                if *format == Format::Table {
                    let mut out = String::new();
                    writeln!(out, "{} advisories", stats.advisories)?;
                    if let Some(newest) = stats.newest {
                        writeln!(out, "newest modified: {newest}")?;
                    }
                    for (ecosystem, n) in &stats.by_ecosystem {
                        writeln!(out, "  {ecosystem:<12} {n}")?;
                    }
                    print(&out)?;
                } else {
                    print_json(&stats)?;
                }
                Ok(Outcome::Clean)
            }
        }
    })
}

/// Reads the export on a blocking thread and writes it in batches as it goes,
/// so memory holds one batch, not the export.
async fn import(store: &dyn Store, path: &std::path::Path) -> anyhow::Result<ImportReport> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<AdvisoryRow>, Vec<String>)>(2);
    let path_owned = path.to_owned();
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
        let mut rows = Vec::with_capacity(BATCH);
        let mut withdrawn = Vec::new();
        let mut errors = 0u64;
        let mut send_failed = false;
        read_export_with_bytes(&path_owned, &Limits::default(), |record, bytes| {
            if send_failed {
                return;
            }
            match record {
                Ok(OsvRecord::Advisory(a)) => {
                    let packages = a
                        .affected
                        .iter()
                        .map(|af| af.package.ecosystem.package_key(&af.package.name))
                        .collect();
                    // parse_record accepted the bytes as JSON, hence UTF-8.
                    let record = String::from_utf8_lossy(bytes).into_owned();
                    rows.push(AdvisoryRow {
                        id: a.id,
                        modified: a.modified,
                        packages,
                        record,
                    });
                }
                Ok(OsvRecord::Withdrawn(w)) => withdrawn.push(w.id),
                Err(e) => {
                    errors += 1;
                    warn(&e.to_string());
                }
            }
            if rows.len() >= BATCH {
                let batch = (std::mem::take(&mut rows), std::mem::take(&mut withdrawn));
                send_failed = tx.blocking_send(batch).is_err();
            }
        })
        .with_context(|| format!("cannot import advisories from {}", path_owned.display()))?;
        if !send_failed && (!rows.is_empty() || !withdrawn.is_empty()) {
            let _ = tx.blocking_send((rows, withdrawn));
        }
        Ok(errors)
    });
    let mut report = ImportReport::default();
    while let Some((rows, withdrawn)) = rx.recv().await {
        report.counts += store.import_advisories(&rows, &withdrawn).await?;
    }
    report.errors = reader.await.context("advisory reader panicked")??;
    Ok(report)
}
