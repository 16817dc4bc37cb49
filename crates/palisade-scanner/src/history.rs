//! Git history scans: every blob reachable from all refs (or only those new
//! since earlier tips), once, then the working tree for what is not committed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use palisade_domain::{BlobId, ScanError};
use palisade_git::{BlobContent, HistoryBlob, Repo};

use crate::analyze::AnalysisSink;
use crate::blobs::{BlobMap, Provenance, scan_content};
use crate::walk::{finish, push_error, walk_into};
use crate::{Counters, Progress, ScanFailure, ScanOptions, ScanOutput, looks_binary};

/// Scans the history of the repository at `root`, then its working tree.
/// Each finding location in history carries the commit that introduced the blob.
pub fn scan_history(
    root: &Path,
    opts: &ScanOptions<'_>,
    progress: &dyn Progress,
) -> Result<ScanOutput, ScanFailure> {
    if std::fs::symlink_metadata(root).is_err() {
        return Err(ScanFailure::NotFound(root.display().to_string()));
    }
    let repo = Repo::open(root)?;
    let commit = repo.head_commit()?;
    let history = repo.history_blobs()?;
    let state = ScanState::default();
    scan_blobs(&repo, history, opts, &state, progress);

    // Uncommitted and modified files: blobs already read from history are
    // skipped. The walk starts at the top of the working tree so its paths
    // match history's; a bare repository has no working tree.
    // Failing to find it loses only that part: history findings still count.
    match repo.work_tree() {
        Ok(Some(top)) => walk_into(
            &top,
            opts,
            &state.map,
            &state.counters,
            &state.errors,
            &state.sink,
            progress,
        ),
        Ok(None) => {}
        Err(e) => push_error(&state.errors, "working tree", &e.to_string()),
    }
    Ok(finish(
        opts,
        state.map,
        &state.counters,
        state.errors,
        state.sink,
        commit,
        None,
    ))
}

/// Scans the history of a (typically bare, cached) repository: every blob
/// reachable from its refs but not from the commits of `since` (all of
/// history when `since` is empty), as [`scan_history`] does, without any
/// working tree. Pass the tips of the previous scan (from
/// [`Repo::ref_tips`]) to read only what arrived since; tips that no longer
/// exist are ignored, so a rewritten history is scanned in full.
///
/// [`ScanOutput::commit`] is the commit of `HEAD` (the default branch).
pub fn scan_repo(
    repo: &Repo,
    since: &[String],
    opts: &ScanOptions<'_>,
    progress: &dyn Progress,
) -> Result<ScanOutput, ScanFailure> {
    let commit = repo.head_commit()?;
    let history = repo.history_blobs_since(since)?;
    let state = ScanState::default();
    scan_blobs(repo, history, opts, &state, progress);
    Ok(finish(
        opts,
        state.map,
        &state.counters,
        state.errors,
        state.sink,
        commit,
        None,
    ))
}

/// What a scan accumulates before its findings are assembled.
#[derive(Debug, Default)]
pub(crate) struct ScanState {
    pub(crate) map: BlobMap,
    pub(crate) counters: Counters,
    pub(crate) errors: Mutex<Vec<ScanError>>,
    /// What the file analyzers found (working trees only: history blobs are
    /// read for secrets alone).
    pub(crate) sink: AnalysisSink,
}

/// Scans `blobs` (paths excluded by the options are skipped): each distinct
/// `(blob, path class)` is read from the repository once, on worker threads,
/// and every sighting is recorded as a provenance. Sets the progress total
/// when the blobs' sizes are known (not all 0).
pub(crate) fn scan_blobs(
    repo: &Repo,
    blobs: Vec<HistoryBlob>,
    opts: &ScanOptions<'_>,
    state: &ScanState,
    progress: &dyn Progress,
) {
    let ScanState {
        map,
        counters,
        errors,
        sink: _,
    } = state;
    let mut wanted: HashMap<BlobId, (String, u64)> = HashMap::new();
    let mut ids = Vec::new();
    let mut total = 0u64;
    for hb in blobs {
        if opts.exclude.is_match(&hb.path) {
            continue;
        }
        Counters::add(&counters.files, 1);
        let class = opts.rules.path_class(&hb.path);
        let provenance = Provenance {
            path: hb.path.clone(),
            commit: hb.commit.map(Arc::new),
        };
        if map.claim((hb.id, class), provenance) && !wanted.contains_key(&hb.id) {
            total += hb.size;
            ids.push(hb.id);
            wanted.insert(hb.id, (hb.path, class));
        }
    }
    if total > 0 {
        progress.set_total(total);
    }

    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        opts.threads
    };
    let (tx, rx) = crossbeam_channel::bounded::<(BlobId, BlobContent)>(threads * 16);
    let read_results = std::thread::scope(|s| {
        for _ in 0..threads {
            let rx = rx.clone();
            let wanted = &wanted;
            s.spawn(move || {
                let mut scratch = Vec::new();
                for (id, content) in rx {
                    let Some((path, class)) = wanted.get(&id) else {
                        continue;
                    };
                    match content {
                        BlobContent::Bytes(bytes) => {
                            progress.advance(bytes.len() as u64);
                            if looks_binary(&bytes) {
                                Counters::add(&counters.skipped_binary, 1);
                                continue;
                            }
                            Counters::add(&counters.blobs, 1);
                            Counters::add(&counters.bytes, bytes.len() as u64);
                            let matches = scan_content(opts.rules, path, &bytes, &mut scratch);
                            map.set_matches(&(id, *class), matches);
                        }
                        BlobContent::TooLarge(_) => Counters::add(&counters.skipped_too_large, 1),
                        BlobContent::Missing => push_error(
                            errors,
                            &format!("blob {id}"),
                            "object missing from the repository",
                        ),
                        BlobContent::Error(e) => {
                            push_error(errors, &format!("blob {id} ({path})"), &e.to_string());
                        }
                    }
                }
            });
        }
        drop(rx);
        // git inflates objects on one core per process: several readers, each
        // on a contiguous run of ids (neighbours in history share delta bases).
        let readers = threads.clamp(1, 4);
        let chunk = ids.len().div_ceil(readers).max(1);
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                let tx = tx.clone();
                s.spawn(move || {
                    repo.read_blobs(part, opts.max_file_size, |id, content| {
                        // Workers only stop when the channel closes, so a send
                        // cannot fail while they run.
                        let _ = tx.send((id, content));
                    })
                })
            })
            .collect();
        drop(tx);
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect::<Vec<_>>()
    });
    for result in read_results {
        if let Err(e) = result {
            push_error(errors, "git cat-file", &e.to_string());
        }
    }
}
