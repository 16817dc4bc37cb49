//! Reads git repositories for palisade by running the `git` executable.
//!
//! - [`Repo::open`] checks that a folder is (inside) a git repository.
//! - [`Repo::history_blobs`] lists every blob reachable from any ref, once,
//!   with the commit and path that introduced it.
//! - [`Repo::read_blobs`] streams blob contents through one
//!   `git cat-file --batch` process, checking each against its id.
//! - [`Repo::history_blobs_since`] lists only what is not reachable from the
//!   [`Repo::ref_tips`] an earlier scan recorded, for incremental rescans.
//! - [`Repo::changed_files`] lists what a change (a pull request: from
//!   [`Repo::merge_base`] to its head) touches, with the lines it adds.
//! - [`CloneCache`] keeps bare clones of remote repositories current, with
//!   the credential passed to git through its environment only.
//!
//! Everything git prints is treated as untrusted: odd paths (spaces, newlines,
//! invalid UTF-8) travel NUL-separated, a corrupt object is reported for that
//! object only, and every child process is reaped and every thread joined,
//! even on error. Git's own configuration cannot redirect the commands to
//! another repository, colorize or re-encode their output, or prompt.

mod cache;
mod catfile;
mod command;
mod diff;
mod error;
mod log;
mod repo;

use std::fmt;

use palisade_domain::{BlobId, CommitInfo};

pub use cache::{CloneCache, FetchedRef, Synced};
#[doc(hidden)]
pub use diff::{AddedLines, parse_added_lines};
pub use diff::{ChangeStatus, ChangedFile};
pub use error::GitError;
pub use repo::{Repo, is_repository};

/// The id of the empty tree, which every repository knows: as the base of
/// [`Repo::changed_files`], every file of the head is added.
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// A regular file of a commit's tree ([`Repo::tree_files`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// `/`-separated, relative to the repository root, invalid UTF-8 replaced by U+FFFD.
    pub path: String,
    pub id: BlobId,
    pub size: u64,
}

/// A blob reachable from some ref, and where it first appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryBlob {
    pub id: BlobId,
    /// Size in bytes. 0 when git cannot read even the object's header
    /// (a corrupt object; [`Repo::read_blobs`] then reports the error).
    pub size: u64,
    /// Path where the blob was introduced, `/`-separated, relative to the
    /// repository root, invalid UTF-8 replaced by U+FFFD. Empty for a blob
    /// that only a tag points at.
    pub path: String,
    /// The first commit, parents before children, whose diff against its first
    /// parent adds the blob. `None` when no commit does (a blob reached only
    /// through a tag).
    pub commit: Option<CommitInfo>,
}

/// What [`Repo::read_blobs`] found for one id.
pub enum BlobContent {
    /// The blob's exact bytes, verified to hash to its id.
    Bytes(Vec<u8>),
    /// Larger than the limit: its size, content not read.
    TooLarge(u64),
    /// No such object in the repository.
    Missing,
    /// The object could not be read ([`GitError::CorruptObject`],
    /// [`GitError::NotABlob`]).
    Error(GitError),
}

impl fmt::Debug for BlobContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(bytes) => write!(f, "Bytes(<{} bytes>)", bytes.len()),
            Self::TooLarge(size) => f.debug_tuple("TooLarge").field(size).finish(),
            Self::Missing => f.write_str("Missing"),
            Self::Error(e) => f.debug_tuple("Error").field(e).finish(),
        }
    }
}
