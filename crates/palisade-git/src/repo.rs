use std::cmp::Ordering;
use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::thread;

use palisade_domain::BlobId;

use crate::catfile::{self, Check};
use crate::command::{GitCommand, failure_message};
use crate::log::{self, Introductions, LOG_ARGS};
use crate::{BlobContent, GitError, HistoryBlob};

/// A git repository (work tree or bare), read through the `git` executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    path: PathBuf,
}

/// True if `path` is a git repository, or a folder inside one, that
/// [`Repo::open`] accepts.
pub fn is_repository(path: &Path) -> bool {
    Repo::open(path).is_ok()
}

impl Repo {
    /// Opens the repository at `path`, or the one containing it, as git itself
    /// would find it (`git -C path rev-parse`).
    ///
    /// Fails with [`GitError::NotARepository`] if there is none (or `path` does
    /// not exist or is a file), [`GitError::UnsafeRepository`] if git refuses a
    /// repository owned by another user, [`GitError::UnsupportedObjectFormat`]
    /// for SHA-256 repositories and [`GitError::GitNotFound`] without git.
    pub fn open(path: &Path) -> Result<Self, GitError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let out = GitCommand::new(&path, &["rev-parse", "--show-object-format"]).output()?;
        if !out.status.success() {
            let message = failure_message(&out.stderr_first_line, out.status);
            return Err(
                if message.contains("not a git repository") || message.contains("cannot change to") {
                    GitError::NotARepository { path, message }
                } else if message.contains("dubious ownership") {
                    GitError::UnsafeRepository { path, message }
                } else {
                    out.failure()
                },
            );
        }
        let format = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if format != "sha1" {
            return Err(GitError::UnsupportedObjectFormat { format });
        }
        Ok(Self { path })
    }

    /// The path the repository was opened with, made absolute.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The top of the working tree, or `None` for a bare repository.
    /// History paths are relative to it.
    pub fn work_tree(&self) -> Result<Option<PathBuf>, GitError> {
        let out = GitCommand::new(
            &self.path,
            &["rev-parse", "--is-bare-repository", "--show-toplevel"],
        )
        .output()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = text.lines();
        if lines.next() == Some("true") {
            return Ok(None);
        }
        if !out.status.success() {
            return Err(out.failure());
        }
        match lines.next() {
            Some(top) if !top.is_empty() => Ok(Some(PathBuf::from(top))),
            _ => Ok(None),
        }
    }

    /// The commit `HEAD` points at, or `None` in a repository with no commits
    /// yet (or whose `HEAD` names a missing branch).
    pub fn head_commit(&self) -> Result<Option<String>, GitError> {
        let out = GitCommand::new(
            &self.path,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                "HEAD^{commit}",
            ],
        )
        .output()?;
        if out.status.code() == Some(1) && out.stdout.is_empty() {
            return Ok(None);
        }
        if !out.status.success() {
            return Err(out.failure());
        }
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(GitError::Parse {
                command: out.display,
                message: format!("expected a commit id, got {id:?}"),
            });
        }
        Ok(Some(id))
    }

    /// Every blob reachable from any ref (`--all`: branches, tags, remotes,
    /// notes, stash), once, with the commit and path that introduced it.
    ///
    /// Sorted by introducing commit (parents before children), then path, then
    /// id; blobs no commit introduces (reached only through a tag) come last.
    /// Submodule entries are not blobs and are not listed. In a repository
    /// without commits the list is empty.
    pub fn history_blobs(&self) -> Result<Vec<HistoryBlob>, GitError> {
        let (listed, introductions) = thread::scope(|scope| {
            let log = thread::Builder::new()
                .name("git-log".into())
                .spawn_scoped(scope, || self.introductions())
                .map_err(|e| GitError::io("starting a thread to read git log", e))?;
            let listed = self.reachable_blobs();
            let introductions = match log.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            Ok::<_, GitError>((listed?, introductions?))
        })?;

        let Introductions {
            commits,
            mut first_seen,
        } = introductions;
        let mut blobs: Vec<(Option<usize>, HistoryBlob)> = listed
            .into_iter()
            .map(|(id, size, listed_path)| {
                let (commit, path) = match first_seen.remove(&id) {
                    Some(intro) => (Some(intro.commit), intro.path),
                    None => (None, listed_path),
                };
                let blob = HistoryBlob {
                    id,
                    size,
                    path,
                    commit: commit.map(|i| commits[i].clone()),
                };
                (commit, blob)
            })
            .collect();
        if !first_seen.is_empty() {
            tracing::debug!(
                count = first_seen.len(),
                "blobs named in history but not reachable as objects (missing) are skipped"
            );
        }
        blobs.sort_by(|(a_commit, a), (b_commit, b)| {
            compare_commits(*a_commit, *b_commit)
                .then_with(|| a.path.cmp(&b.path))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(blobs.into_iter().map(|(_, blob)| blob).collect())
    }

    /// Runs `git log` over all refs and records where each blob first appears.
    fn introductions(&self) -> Result<Introductions, GitError> {
        let (mut running, _) = GitCommand::new(&self.path, LOG_ARGS).spawn(false)?;
        let parsed = log::parse_log(&mut running.stdout);
        let command = running.display().to_owned();
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                let stderr = running.kill();
                return Err(match e {
                    // A read error usually means git failed; its message says why.
                    log::LogError::Io(e) if stderr.first_line.is_empty() => {
                        GitError::io(format!("reading from `{command}`"), e)
                    }
                    log::LogError::Io(_) => GitError::CommandFailed {
                        command,
                        message: stderr.first_line,
                    },
                    log::LogError::Malformed(message) => GitError::Parse { command, message },
                });
            }
        };
        let (status, stderr) = running.finish()?;
        if !status.success() {
            return Err(GitError::CommandFailed {
                command,
                message: failure_message(&stderr.first_line, status),
            });
        }
        Ok(parsed)
    }

    /// `(id, size, path)` of every blob reachable from any ref. The path is the
    /// one `git rev-list` names it by (cut at a newline), a fallback for blobs
    /// the log does not introduce.
    fn reachable_blobs(&self) -> Result<Vec<(BlobId, u64, String)>, GitError> {
        let (mut running, _) = GitCommand::new(
            &self.path,
            &[
                "rev-list",
                "--objects",
                "--all",
                "--filter=object:type=blob",
                "--missing=print",
            ],
        )
        .spawn(false)?;
        let command = running.display().to_owned();
        let mut ids = Vec::new();
        let mut paths = Vec::new();
        let mut seen = HashSet::new();
        let mut missing = 0usize;
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = running
                .stdout
                .read_until(b'\n', &mut line)
                .map_err(|e| GitError::io(format!("reading from `{command}`"), e))?;
            if n == 0 {
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if line.first() == Some(&b'?') {
                missing += 1;
                continue;
            }
            let hex = line.get(..40).and_then(|h| std::str::from_utf8(h).ok());
            let Some(id) = hex.and_then(|h| BlobId::from_hex(h).ok()) else {
                let shown: String = String::from_utf8_lossy(&line).chars().take(80).collect();
                return Err(GitError::Parse {
                    command,
                    message: format!("expected an object id, got {shown:?}"),
                });
            };
            // Commits (and tags) are listed without a path; blobs with one,
            // possibly empty when a tag points straight at the blob.
            let Some(rest) = line.get(40..).filter(|rest| !rest.is_empty()) else {
                continue;
            };
            if seen.insert(id) {
                ids.push(id);
                paths.push(String::from_utf8_lossy(&rest[1..]).into_owned());
            }
        }
        let (status, stderr) = running.finish()?;
        if !status.success() {
            return Err(GitError::CommandFailed {
                command,
                message: failure_message(&stderr.first_line, status),
            });
        }
        if missing > 0 {
            tracing::warn!(repo = %self.path.display(), missing, "objects missing from the repository");
        }

        let checks = catfile::check(&self.path, &ids)?;
        let mut blobs = Vec::with_capacity(ids.len());
        for ((id, path), check) in ids.into_iter().zip(paths).zip(checks) {
            match check {
                Check::Found { kind, size } if kind == "blob" => blobs.push((id, size, path)),
                Check::Found { .. } => {}
                Check::Missing => {
                    tracing::warn!(repo = %self.path.display(), %id, "blob missing from the repository");
                }
                Check::Corrupt(message) => {
                    tracing::warn!(repo = %self.path.display(), %id, %message, "corrupt blob");
                    blobs.push((id, 0, path));
                }
            }
        }
        Ok(blobs)
    }

    /// Streams the contents of `ids` to `f`, through one `git cat-file --batch`
    /// process (restarted past a corrupt object).
    ///
    /// `f` is called exactly once per distinct id, not necessarily in the order
    /// given: blobs over `max_size` bytes are reported as
    /// [`BlobContent::TooLarge`] without being read, unknown ids as
    /// [`BlobContent::Missing`], unreadable objects and non-blobs as
    /// [`BlobContent::Error`]. Returned bytes are checked against their id.
    ///
    /// Fails only when git itself cannot run; `f` may then have been called for
    /// some of the ids.
    pub fn read_blobs(
        &self,
        ids: &[BlobId],
        max_size: u64,
        mut f: impl FnMut(BlobId, BlobContent),
    ) -> Result<(), GitError> {
        let mut seen = HashSet::with_capacity(ids.len());
        let ids: Vec<BlobId> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        // Sizes first, so large blobs are never sent through the pipe.
        let checks = catfile::check(&self.path, &ids)?;
        let mut wanted = Vec::with_capacity(ids.len());
        for (id, check) in ids.into_iter().zip(checks) {
            match check {
                Check::Found { kind, size } if kind == "blob" => {
                    if size > max_size {
                        f(id, BlobContent::TooLarge(size));
                    } else {
                        wanted.push(id);
                    }
                }
                Check::Found { kind, .. } => f(
                    id,
                    BlobContent::Error(GitError::NotABlob {
                        id: id.to_hex(),
                        kind,
                    }),
                ),
                Check::Missing => f(id, BlobContent::Missing),
                Check::Corrupt(message) => f(
                    id,
                    BlobContent::Error(GitError::CorruptObject {
                        id: id.to_hex(),
                        message,
                    }),
                ),
            }
        }
        catfile::read(&self.path, &wanted, max_size, &mut f)
    }
}

fn compare_commits(a: Option<usize>, b: Option<usize>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
