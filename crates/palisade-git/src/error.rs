use std::io;
use std::path::PathBuf;

/// Everything that can go wrong reading a repository.
///
/// Errors about one blob (corrupt, not a blob) are reported per blob through
/// [`crate::BlobContent::Error`]; the others end the operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The folder is not inside a git repository (or does not exist, or is a file).
    #[error("{} is not a git repository: {message}", path.display())]
    NotARepository { path: PathBuf, message: String },

    /// Git refuses to read a repository owned by another user
    /// (`safe.directory`). Palisade does not override that decision.
    #[error(
        "{} is owned by another user and git refuses to read it \
         (add it to `safe.directory` if it is trusted): {message}",
        path.display()
    )]
    UnsafeRepository { path: PathBuf, message: String },

    /// No `git` executable on `PATH`.
    #[error("the `git` executable was not found on PATH")]
    GitNotFound,

    /// The repository uses an object format other than SHA-1 (e.g. SHA-256),
    /// which [`palisade_domain::BlobId`] cannot represent.
    #[error("unsupported object format {format:?}: only SHA-1 repositories are supported")]
    UnsupportedObjectFormat { format: String },

    /// A git command exited with an error. `message` is the first line of its stderr.
    #[error("`{command}` failed: {message}")]
    CommandFailed { command: String, message: String },

    /// One object could not be read: git reported it as corrupt, died while
    /// streaming it, or its bytes do not hash to its id.
    #[error("object {id} is corrupt: {message}")]
    CorruptObject { id: String, message: String },

    /// The id names an object that exists but is not a blob.
    #[error("object {id} is a {kind}, not a blob")]
    NotABlob { id: String, kind: String },

    /// Reading from or writing to a git process failed.
    #[error("I/O error {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },

    /// A git command printed something this crate does not understand.
    #[error("unexpected output from `{command}`: {message}")]
    Parse { command: String, message: String },
}

impl GitError {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
