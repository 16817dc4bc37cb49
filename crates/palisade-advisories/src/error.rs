use std::fmt;
use std::path::PathBuf;

/// One record (or one file of an export) that could not be read. The rest of
/// the export still loads.
#[derive(Debug, thiserror::Error)]
pub struct RecordError {
    /// Where the record came from: a file path, or `zip-path!entry-name`;
    /// `None` for bytes given to [`crate::parse_record`].
    pub location: Option<String>,
    /// The record's `id`, when it could be read.
    pub id: Option<String>,
    /// What is wrong.
    #[source]
    pub kind: RecordErrorKind,
}

impl RecordError {
    pub(crate) fn new(id: Option<String>, kind: RecordErrorKind) -> Self {
        Self {
            location: None,
            id,
            kind,
        }
    }

    pub(crate) fn at(location: String, kind: RecordErrorKind) -> Self {
        Self {
            location: Some(location),
            id: None,
            kind,
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.location, &self.id) {
            (Some(l), Some(id)) => write!(f, "{l} ({id}): {}", self.kind),
            (Some(l), None) => write!(f, "{l}: {}", self.kind),
            (None, Some(id)) => write!(f, "{id}: {}", self.kind),
            (None, None) => write!(f, "{}", self.kind),
        }
    }
}

/// Why a record was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// Not JSON, or JSON whose values have the wrong types for OSV.
    #[error("not a valid OSV record: {0}")]
    Json(String),
    /// A field OSV requires is missing or empty.
    #[error("missing required field `{0}`")]
    Missing(&'static str),
    /// A field has a value OSV does not allow.
    #[error("invalid `{field}`: {reason}")]
    Invalid {
        /// The field, as a JSON path (`affected[0].ranges[1].events[2]`).
        field: String,
        /// Why the value was refused.
        reason: String,
    },
    /// The file or zip entry is larger than [`crate::Limits::max_entry_bytes`]
    /// (its real size, whatever its header says).
    #[error("larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// The file or zip entry could not be read (IO error, unsupported or
    /// encrypted zip entry, bad checksum).
    #[error("unreadable: {0}")]
    Read(String),
}

/// An export that cannot be read at all (as opposed to single records,
/// which are [`RecordError`]s).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The export path could not be opened or listed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The path is neither a folder, a `.zip` nor a `.json` file.
    #[error("{0} is not an OSV export (a folder, a .zip or a .json file)")]
    NotAnExport(PathBuf),
    /// The zip archive itself is corrupt or unsupported.
    #[error("cannot read zip archive {path}: {reason}")]
    Zip {
        /// The archive path, or `<reader>` for [`crate::read_zip`].
        path: String,
        /// Why.
        reason: String,
    },
    /// More entries (zip entries, or files under a folder) than
    /// [`crate::Limits::max_entries`]; nothing was read.
    #[error("more than {limit} entries in {path}")]
    TooManyEntries {
        /// The export.
        path: String,
        /// The limit.
        limit: usize,
    },
    /// More uncompressed bytes than [`crate::Limits::max_total_bytes`]; the
    /// load stopped there.
    #[error("more than {limit} bytes of records in {path}")]
    TotalTooLarge {
        /// The export.
        path: String,
        /// The limit.
        limit: u64,
    },
}
