//! Diff-aware scans of a change (a pull request): only the lines it adds.

use std::collections::HashMap;
use std::sync::Arc;

use palisade_domain::BlobId;
use palisade_git::{BlobContent, ChangeStatus, ChangedFile, EMPTY_TREE, GitError, HistoryBlob, Repo};

use crate::analyze::{AnalysisSink, analyze_file};
use crate::blobs::Provenance;
use crate::history::{ScanState, scan_blobs};
use crate::walk::finish;
use crate::{Progress, ScanFailure, ScanOptions, ScanOutput};

/// Scans what merging `head` into `base` would bring: the files changed
/// between their merge base and `head` (`base` and `head` are revisions, such
/// as `refs/heads/main` and a pull request's source branch, or commit ids).
///
/// Each changed file's `head` version is scanned once, and a finding keeps
/// only the locations on lines the change adds or modifies; a finding left
/// without locations is dropped, so a secret already on an unchanged line is
/// not reported. Locations carry the `head` commit. Without a merge base
/// (unrelated histories) every file of `head` counts as added.
///
/// Deleted files, and files whose change adds no line (pure renames, mode
/// changes, binary files), are not read and not counted in
/// [`ScanOutput::files`]. [`ScanOutput::commit`] is the `head` commit. Fails
/// with [`GitError::UnknownRevision`] when `base` or `head` names no commit.
pub fn scan_changes(
    repo: &Repo,
    base: &str,
    head: &str,
    opts: &ScanOptions<'_>,
    progress: &dyn Progress,
) -> Result<ScanOutput, ScanFailure> {
    let head_id = repo
        .resolve_commit(head)?
        .ok_or_else(|| GitError::UnknownRevision {
            rev: head.chars().take(200).collect(),
        })?;
    let merge_base = repo.merge_base(base, &head_id)?;
    let from = merge_base.as_deref().unwrap_or(EMPTY_TREE);
    let changed = repo.changed_files(from, &head_id)?;
    let commit = repo.commit_info(&head_id)?;

    let mut by_path: HashMap<String, ChangedFile> = HashMap::new();
    let mut blobs = Vec::new();
    for file in changed {
        let Some(id) = file.blob else {
            continue;
        };
        if file.status == ChangeStatus::Deleted || file.added_lines.is_empty() {
            continue;
        }
        blobs.push(HistoryBlob {
            id,
            // Unknown: the progress total is not set.
            size: 0,
            path: file.path.clone(),
            commit: commit.clone(),
        });
        by_path.insert(file.path.clone(), file);
    }

    let state = ScanState::default();
    if opts.analyzers.any_file_analyzer() {
        analyze_changed(repo, &blobs, opts, &state.sink)?;
    }
    if opts.analyzers.secrets {
        scan_blobs(repo, blobs, opts, &state, progress);
    }
    let keep = |path: &str, line: u32| by_path.get(path).is_some_and(|file| file.is_added_line(line));
    let mut out = finish(
        opts,
        state.map,
        &state.counters,
        state.errors,
        state.sink,
        Some(head_id),
        Some(&keep),
    );
    // A dependency counts when the change adds or edits the line pinning it.
    for m in &mut out.manifests {
        m.manifest.dependencies.retain(|d| keep(&m.path, d.line));
    }
    out.manifests.retain(|m| !m.manifest.dependencies.is_empty());
    Ok(out)
}

/// Runs the file analyzers on the changed files they may read, each path
/// of a blob separately (the path picks the parser and is part of the
/// identity). Matches on lines the change does not add are dropped later.
fn analyze_changed(
    repo: &Repo,
    blobs: &[HistoryBlob],
    opts: &ScanOptions<'_>,
    sink: &AnalysisSink,
) -> Result<(), ScanFailure> {
    let mut paths_of: HashMap<BlobId, Vec<Provenance>> = HashMap::new();
    for b in blobs {
        if opts.exclude.is_match(&b.path) || !opts.analyzers.may_read(&b.path) {
            continue;
        }
        paths_of.entry(b.id).or_default().push(Provenance {
            path: b.path.clone(),
            commit: b.commit.clone().map(Arc::new),
        });
    }
    let ids: Vec<BlobId> = paths_of.keys().copied().collect();
    repo.read_blobs(&ids, opts.max_file_size, |id, content| {
        let (Some(paths), BlobContent::Bytes(bytes)) = (paths_of.get(&id), content) else {
            return;
        };
        if crate::looks_binary(&bytes) {
            return;
        }
        for p in paths {
            analyze_file(&opts.analyzers, &p.path, &bytes, id, p.commit.as_ref(), sink);
        }
    })?;
    Ok(())
}
