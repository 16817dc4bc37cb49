//! Reading OSV exports: a folder of `*.json` records (searched recursively),
//! one `.json` file, or a zip of records such as osv.dev's per-ecosystem
//! `all.zip`.

use std::fs::{self, File};
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use crate::error::{LoadError, RecordError, RecordErrorKind};
use crate::record::{Advisory, OsvRecord, Withdrawn, parse_record};

/// Bounds on what an export may make palisade read, against zip bombs and
/// runaway folders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest record file or zip entry, uncompressed, in bytes. Larger ones
    /// are [`RecordErrorKind::TooLarge`]; zip entries are measured while
    /// decompressing, whatever their header claims. Default 16 MiB (the
    /// largest osv.dev records are a few MiB).
    pub max_entry_bytes: u64,
    /// Most entries in a zip, or `*.json` files under a folder; beyond it the
    /// export is refused ([`LoadError::TooManyEntries`]). Default 2,000,000
    /// (osv.dev's largest `all.zip` has a few hundred thousand).
    pub max_entries: usize,
    /// Most record bytes read from one export, uncompressed; beyond it the
    /// load stops ([`LoadError::TotalTooLarge`]). Default 8 GiB.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entry_bytes: 16 << 20,
            max_entries: 2_000_000,
            max_total_bytes: 8 << 30,
        }
    }
}

/// Everything read from an export.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Advisories in force.
    pub advisories: Vec<Advisory>,
    /// Withdrawn records (to drop from a store that has them).
    pub withdrawn: Vec<Withdrawn>,
    /// Records and files that could not be read; the others are above.
    pub errors: Vec<RecordError>,
}

/// Reads a whole export into memory: `path` is a folder (every `*.json`
/// below it), a `.zip` or a `.json` file. See [`read_export`] to handle
/// records one at a time instead.
pub fn load_export(path: &Path, limits: &Limits) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport::default();
    read_export(path, limits, |record| match record {
        Ok(OsvRecord::Advisory(a)) => report.advisories.push(a),
        Ok(OsvRecord::Withdrawn(w)) => report.withdrawn.push(w),
        Err(e) => report.errors.push(e),
    })?;
    Ok(report)
}

/// Reads an export and hands each record (or the reason it could not be
/// read) to `each`, in a stable order (file names sorted; zip entries in
/// archive order). An importer can compare each record's
/// [`OsvRecord::modified`] with what it has and skip unchanged ones.
///
/// Files not named `*.json` are ignored; symbolic links to folders are not
/// followed.
pub fn read_export(
    path: &Path,
    limits: &Limits,
    mut each: impl FnMut(Result<OsvRecord, RecordError>),
) -> Result<(), LoadError> {
    read_export_with_bytes(path, limits, |record, _| each(record))
}

/// [`read_export`], also handing over each record's bytes as read (empty
/// for errors), for an importer that keeps the records themselves.
pub fn read_export_with_bytes(
    path: &Path,
    limits: &Limits,
    mut each: impl FnMut(Result<OsvRecord, RecordError>, &[u8]),
) -> Result<(), LoadError> {
    let meta = fs::metadata(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    if meta.is_dir() {
        return read_dir(path, limits, &mut each);
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    if ext.eq_ignore_ascii_case("zip") {
        let file = File::open(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        read_zip_labelled(
            BufReader::new(file),
            &path.display().to_string(),
            limits,
            &mut each,
        )
    } else if ext.eq_ignore_ascii_case("json") {
        let mut budget = Budget::new(path, limits);
        read_one_file(path, limits, &mut budget, &mut each)
    } else {
        Err(LoadError::NotAnExport(path.to_owned()))
    }
}

/// Reads the `*.json` entries of a zip archive (see [`read_export`]).
pub fn read_zip<R: Read + Seek>(
    reader: R,
    limits: &Limits,
    mut each: impl FnMut(Result<OsvRecord, RecordError>),
) -> Result<(), LoadError> {
    read_zip_labelled(reader, "<reader>", limits, &mut |record, _: &[u8]| each(record))
}

/// Receives each record (or why it could not be read) and its bytes.
type Each<'a> = dyn FnMut(Result<OsvRecord, RecordError>, &[u8]) + 'a;

/// Running total of bytes read from one export.
struct Budget {
    label: String,
    used: u64,
    max: u64,
}

impl Budget {
    fn new(path: &Path, limits: &Limits) -> Self {
        Self {
            label: path.display().to_string(),
            used: 0,
            max: limits.max_total_bytes,
        }
    }

    fn spend(&mut self, bytes: usize) -> Result<(), LoadError> {
        self.used = self.used.saturating_add(bytes as u64);
        if self.used > self.max {
            return Err(LoadError::TotalTooLarge {
                path: self.label.clone(),
                limit: self.max,
            });
        }
        Ok(())
    }
}

fn with_location(mut e: RecordError, location: String) -> RecordError {
    e.location = Some(location);
    e
}

/// Reads at most `limit` bytes from `reader` into `buf`; `Ok(false)` if
/// there was more.
fn read_capped(reader: impl Read, limit: u64, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let n = reader.take(limit.saturating_add(1)).read_to_end(buf)?;
    Ok(n as u64 <= limit)
}

fn read_zip_labelled<R: Read + Seek>(
    reader: R,
    label: &str,
    limits: &Limits,
    each: &mut Each<'_>,
) -> Result<(), LoadError> {
    let zip_error = |e: zip::result::ZipError| LoadError::Zip {
        path: label.to_owned(),
        reason: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(zip_error)?;
    if archive.len() > limits.max_entries {
        return Err(LoadError::TooManyEntries {
            path: label.to_owned(),
            limit: limits.max_entries,
        });
    }
    let mut budget = Budget {
        label: label.to_owned(),
        used: 0,
        max: limits.max_total_bytes,
    };
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                each(
                    Err(RecordError::at(
                        format!("{label}!#{i}"),
                        RecordErrorKind::Read(e.to_string()),
                    )),
                    &[],
                );
                continue;
            }
        };
        // Names are only labels here: nothing is written to disk.
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if entry.is_dir() || !has_json_extension(&name) {
            continue;
        }
        let location = format!("{label}!{name}");
        let too_large = || RecordErrorKind::TooLarge {
            limit: limits.max_entry_bytes,
        };
        // The header's size is only a first check; `read_capped` measures.
        if entry.size() > limits.max_entry_bytes {
            each(Err(RecordError::at(location, too_large())), &[]);
            continue;
        }
        match read_capped(&mut entry, limits.max_entry_bytes, &mut buf) {
            Ok(true) => {}
            Ok(false) => {
                each(Err(RecordError::at(location, too_large())), &[]);
                continue;
            }
            Err(e) => {
                each(
                    Err(RecordError::at(location, RecordErrorKind::Read(e.to_string()))),
                    &[],
                );
                continue;
            }
        }
        budget.spend(buf.len())?;
        each(parse_record(&buf).map_err(|e| with_location(e, location)), &buf);
    }
    Ok(())
}

fn has_json_extension(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn read_dir(root: &Path, limits: &Limits, each: &mut Each<'_>) -> Result<(), LoadError> {
    let mut budget = Budget::new(root, limits);
    let mut files = 0usize;
    let mut stack: Vec<PathBuf> = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let listing = match fs::read_dir(&dir) {
            Ok(listing) => listing,
            Err(source) if dir == root => return Err(LoadError::Io { path: dir, source }),
            Err(e) => {
                each(
                    Err(RecordError::at(
                        dir.display().to_string(),
                        RecordErrorKind::Read(e.to_string()),
                    )),
                    &[],
                );
                continue;
            }
        };
        let mut entries: Vec<(PathBuf, fs::FileType)> = Vec::new();
        for entry in listing {
            match entry.and_then(|e| Ok((e.path(), e.file_type()?))) {
                Ok(entry) => entries.push(entry),
                Err(e) => {
                    each(
                        Err(RecordError::at(
                            dir.display().to_string(),
                            RecordErrorKind::Read(e.to_string()),
                        )),
                        &[],
                    );
                }
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut subdirs = Vec::new();
        for (path, file_type) in entries {
            if file_type.is_dir() {
                subdirs.push(path);
                continue;
            }
            // A link counts if it points at a file; linked folders are not
            // followed (no cycles).
            let is_file = file_type.is_file() || (file_type.is_symlink() && path.is_file());
            if !is_file
                || !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(has_json_extension)
            {
                continue;
            }
            files += 1;
            if files > limits.max_entries {
                return Err(LoadError::TooManyEntries {
                    path: root.display().to_string(),
                    limit: limits.max_entries,
                });
            }
            read_one_file(&path, limits, &mut budget, each)?;
        }
        // Visit subfolders in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

fn read_one_file(
    path: &Path,
    limits: &Limits,
    budget: &mut Budget,
    each: &mut Each<'_>,
) -> Result<(), LoadError> {
    let location = path.display().to_string();
    let mut buf = Vec::new();
    let read = File::open(path).and_then(|f| read_capped(f, limits.max_entry_bytes, &mut buf));
    match read {
        Ok(true) => {
            budget.spend(buf.len())?;
            each(parse_record(&buf).map_err(|e| with_location(e, location)), &buf);
        }
        Ok(false) => {
            each(
                Err(RecordError::at(
                    location,
                    RecordErrorKind::TooLarge {
                        limit: limits.max_entry_bytes,
                    },
                )),
                &[],
            );
        }
        Err(e) => each(
            Err(RecordError::at(location, RecordErrorKind::Read(e.to_string()))),
            &[],
        ),
    }
    Ok(())
}
