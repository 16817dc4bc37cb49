use std::io;
use std::path::PathBuf;

/// Everything that can go wrong reading a repository or syncing a clone.
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

    /// A revision (branch, tag, commit id) that does not name a commit (or
    /// tree, where one is accepted) in the repository.
    #[error("{rev:?} does not name a commit in the repository")]
    UnknownRevision { rev: String },

    /// The remote refused the credentials (HTTP 401/403, or git found none
    /// to send). The message is git's, with the credential scrubbed.
    #[error(
        "the remote refused the credentials (expired, revoked or without read access to the repository): {0}"
    )]
    RemoteAuth(String),

    /// The remote has no such repository (HTTP 404): deleted, renamed, or not
    /// visible to these credentials.
    #[error(
        "the remote repository was not found (deleted, renamed or not visible to these credentials): {0}"
    )]
    RemoteNotFound(String),

    /// The disk holding the clone cache is full.
    #[error("no space left on the device holding the clone cache: {0}")]
    DiskFull(String),

    /// An operation ran out of time and its git processes were killed. The
    /// message says what and how long.
    #[error("timed out: {0}")]
    Timeout(String),

    /// Talking to the remote failed for another reason (network, TLS, server error).
    #[error("fetching from the remote failed: {0}")]
    Remote(String),

    /// The remote has no such ref (a pull request's merge ref once the pull
    /// request is closed, or while its branches conflict).
    #[error("the remote has no ref {name}")]
    RemoteRefNotFound { name: String },

    /// A ref name the clone cache does not fetch.
    #[error("invalid ref name {name:?}: {reason}")]
    InvalidRefName { name: String, reason: &'static str },

    /// A clone cache key outside `[A-Za-z0-9._-]{1,100}` or starting with `.`.
    #[error("invalid clone cache key {key:?}: {reason}")]
    InvalidCacheKey { key: String, reason: &'static str },

    /// A remote URL the clone cache does not fetch from. The URL itself is
    /// not repeated: it may hold credentials.
    #[error("invalid remote URL: {reason}")]
    InvalidRemoteUrl { reason: &'static str },

    /// An HTTP header that cannot be sent (the header itself is not repeated).
    #[error("invalid authentication header: {reason}")]
    InvalidAuthHeader { reason: &'static str },
}

impl GitError {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        let context = context.into();
        if source.kind() == io::ErrorKind::StorageFull {
            return Self::DiskFull(format!("{context}: {source}"));
        }
        Self::Io { context, source }
    }
}
