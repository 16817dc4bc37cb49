//! Folder scans on the `ignore` crate's parallel walker.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};
use palisade_domain::{BlobId, ScanError};

use crate::analyze::{AnalysisSink, analyze_file, hits_to_findings};
use crate::assemble::{LocationFilter, assemble};
use crate::blobs::{BlobMap, Provenance, scan_content};
use crate::{Counters, Progress, ScanFailure, ScanOptions, ScanOutput, display_path, looks_binary, one_line};

/// Scans every file under `root` (or `root` itself when it is a file).
pub fn scan_folder(
    root: &Path,
    opts: &ScanOptions<'_>,
    progress: &dyn Progress,
) -> Result<ScanOutput, ScanFailure> {
    if std::fs::symlink_metadata(root).is_err() {
        return Err(ScanFailure::NotFound(root.display().to_string()));
    }
    let map = BlobMap::new();
    let counters = Counters::default();
    let errors = Mutex::new(Vec::new());
    let sink = AnalysisSink::default();
    walk_into(root, opts, &map, &counters, &errors, &sink, progress);
    Ok(finish(opts, map, &counters, errors, sink, None, None))
}

/// Assembles the findings and fills in the counters. With `keep`, only the
/// locations it accepts are reported.
pub(crate) fn finish(
    opts: &ScanOptions<'_>,
    map: BlobMap,
    counters: &Counters,
    errors: Mutex<Vec<ScanError>>,
    sink: AnalysisSink,
    commit: Option<String>,
    keep: Option<LocationFilter<'_>>,
) -> ScanOutput {
    let mut assembled = assemble(opts, map.into_matched(), keep);
    let (hits, mut manifests, analysis_errors) = sink.into_parts();
    let (findings, baselined, suppressed) = hits_to_findings(hits, opts.key, opts.baseline, keep);
    assembled.findings.extend(findings);
    assembled.baselined.extend(baselined);
    crate::assemble::sort_findings(&mut assembled.findings);
    crate::assemble::sort_findings(&mut assembled.baselined);
    manifests.sort_by(|a, b| a.path.cmp(&b.path));
    let mut errors = errors.into_inner().expect("error list lock poisoned");
    errors.extend(analysis_errors);
    errors.sort_by(|a, b| a.subject.cmp(&b.subject));
    ScanOutput {
        findings: assembled.findings,
        baselined: assembled.baselined,
        suppressed: assembled.suppressed + suppressed,
        manifests,
        files: Counters::get(&counters.files),
        bytes: Counters::get(&counters.bytes),
        blobs: Counters::get(&counters.blobs),
        skipped_binary: Counters::get(&counters.skipped_binary),
        skipped_too_large: Counters::get(&counters.skipped_too_large),
        errors,
        commit,
    }
}

/// Walks `root` in parallel, scanning blobs not already in `map`.
pub(crate) fn walk_into(
    root: &Path,
    opts: &ScanOptions<'_>,
    map: &BlobMap,
    counters: &Counters,
    errors: &Mutex<Vec<ScanError>>,
    sink: &AnalysisSink,
    progress: &dyn Progress,
) {
    let respect = opts.respect_ignore;
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .parents(respect)
        .require_git(false)
        .follow_links(opts.follow_symlinks)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    let root_is_file = root.is_file();
    builder.build_parallel().run(|| {
        let mut buf = Vec::new();
        let mut scratch = Vec::new();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    push_error(errors, "walk", &err.to_string());
                    return WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            let rel = if root_is_file {
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            } else {
                display_path(root, path)
            };
            if opts.exclude.is_match(&rel) {
                return WalkState::Continue;
            }
            Counters::add(&counters.files, 1);
            let size = match read_file(path, opts.max_file_size, &mut buf) {
                Ok(ReadOutcome::Read) => buf.len() as u64,
                Ok(ReadOutcome::TooLarge) => {
                    Counters::add(&counters.skipped_too_large, 1);
                    return WalkState::Continue;
                }
                Err(e) => {
                    push_error(errors, &rel, &e.to_string());
                    return WalkState::Continue;
                }
            };
            if looks_binary(&buf) {
                Counters::add(&counters.skipped_binary, 1);
                return WalkState::Continue;
            }
            let blob = BlobId::compute(&buf);
            if opts.analyzers.any_file_analyzer() {
                analyze_file(&opts.analyzers, &rel, &buf, blob, None, sink);
            }
            if !opts.analyzers.secrets {
                Counters::add(&counters.bytes, size);
                progress.advance(size);
                return WalkState::Continue;
            }
            let key = (blob, opts.rules.path_class(&rel));
            if map.claim(
                key,
                Provenance {
                    path: rel.clone(),
                    commit: None,
                },
            ) {
                Counters::add(&counters.blobs, 1);
                Counters::add(&counters.bytes, size);
                let matches = scan_content(opts.rules, &rel, &buf, &mut scratch);
                map.set_matches(&key, matches);
                progress.advance(size);
            }
            WalkState::Continue
        })
    });
}

enum ReadOutcome {
    Read,
    TooLarge,
}

/// Reads a file into `buf` unless it is larger than `max` (checked before
/// reading, and again while reading in case the file grows).
fn read_file(path: &Path, max: u64, buf: &mut Vec<u8>) -> std::io::Result<ReadOutcome> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Ok(ReadOutcome::TooLarge);
    }
    buf.clear();
    buf.reserve(len as usize);
    file.take(max + 1).read_to_end(buf)?;
    if buf.len() as u64 > max {
        return Ok(ReadOutcome::TooLarge);
    }
    Ok(ReadOutcome::Read)
}

pub(crate) fn push_error(errors: &Mutex<Vec<ScanError>>, subject: &str, message: &str) {
    errors.lock().expect("error list lock poisoned").push(ScanError {
        subject: subject.to_owned(),
        message: one_line(message),
    });
}
