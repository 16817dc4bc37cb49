use std::cmp::Ordering;
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::thread;

use palisade_domain::{BlobId, CommitInfo, Timestamp};

use crate::catfile::{self, Check};
use crate::command::{GitCommand, Running, failure_message};
use crate::diff::{self, ChangedFile};
use crate::log::{self, Introductions, LOG_ARGS};
use crate::{BlobContent, GitError, HistoryBlob, TreeFile};

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
        self.resolve("HEAD", "commit")
    }

    /// The full id of the commit `rev` (a branch, tag, `HEAD`, a commit id or
    /// any revision expression) names, peeling tags; `None` when it names
    /// nothing or something that is not a commit.
    pub fn resolve_commit(&self, rev: &str) -> Result<Option<String>, GitError> {
        self.resolve(rev, "commit")
    }

    /// True when `id`, a full 40-hex-digit id, names a commit present in the
    /// repository. Anything else (short ids, ref names, trees) is `false`.
    pub fn commit_exists(&self, id: &str) -> Result<bool, GitError> {
        if !is_hex40(id) {
            return Ok(false);
        }
        Ok(self
            .resolve(id, "commit")?
            .is_some_and(|found| found.eq_ignore_ascii_case(id)))
    }

    /// `rev^{kind}` through `rev-parse --verify`.
    fn resolve(&self, rev: &str, kind: &str) -> Result<Option<String>, GitError> {
        if rev.is_empty() || rev.contains(['\0', '\n']) {
            return Ok(None);
        }
        let spec = format!("{rev}^{{{kind}}}");
        let out = GitCommand::new(
            &self.path,
            &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec],
        )
        .output()?;
        if out.status.code() == Some(1) && out.stdout.is_empty() {
            return Ok(None);
        }
        if !out.status.success() {
            return Err(out.failure());
        }
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !is_hex40(&id) {
            return Err(GitError::Parse {
                command: out.display,
                message: format!("expected an object id, got {id:?}"),
            });
        }
        Ok(Some(id))
    }

    /// Author and date of the commit `rev` names, or `None` when it names no commit.
    pub fn commit_info(&self, rev: &str) -> Result<Option<CommitInfo>, GitError> {
        let Some(id) = self.resolve_commit(rev)? else {
            return Ok(None);
        };
        let out = GitCommand::new(
            &self.path,
            &[
                "log",
                "-1",
                "--no-walk",
                "--format=%H%x00%an%x00%ae%x00%at",
                &id,
                "--",
            ],
        )
        .output()?;
        if !out.status.success() {
            return Err(out.failure());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<&str> = text.trim_end_matches('\n').split('\0').collect();
        let parsed = match fields[..] {
            [hash, name, email, time] if hash == id => time.parse::<i64>().ok().map(|seconds| CommitInfo {
                id: id.clone(),
                author_name: name.to_owned(),
                author_email: email.to_owned(),
                date: Timestamp::from_unix_seconds(seconds),
            }),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| GitError::Parse {
            command: out.display,
            message: format!(
                "expected a commit header, got {:?}",
                text.chars().take(120).collect::<String>()
            ),
        })
    }

    /// `(ref name, commit id)` of every branch (`refs/heads/*`) and tag
    /// (`refs/tags/*`), tags peeled to the commit they point at, sorted by
    /// ref name. Tags of trees or blobs, and refs whose object is missing,
    /// are left out. In a [`crate::CloneCache`] entry, which holds only
    /// branches and tags, these are all the tips [`Repo::history_blobs`]
    /// reads up to: record them with a scan and pass them to
    /// [`Repo::history_blobs_since`] next time.
    pub fn ref_tips(&self) -> Result<Vec<(String, String)>, GitError> {
        let out = GitCommand::new(
            &self.path,
            &[
                "for-each-ref",
                "--format=%(objectname) %(refname)",
                "refs/heads/",
                "refs/tags/",
            ],
        )
        .output()?;
        if !out.status.success() {
            return Err(out.failure());
        }
        let mut refs = Vec::new();
        for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let line = String::from_utf8_lossy(line);
            match line.split_once(' ') {
                Some((id, name)) if is_hex40(id) => refs.push((name.to_owned(), id.to_owned())),
                _ => {
                    return Err(GitError::Parse {
                        command: out.display,
                        message: format!("expected an object id and a ref name, got {line:?}"),
                    });
                }
            }
        }
        let ids: Vec<String> = refs.iter().map(|(_, id)| id.clone()).collect();
        let peeled = catfile::peel_to_commits(&self.path, &ids)?;
        Ok(refs
            .into_iter()
            .zip(peeled)
            .filter_map(|((name, _), commit)| Some((name, commit?)))
            .collect())
    }

    /// The best common ancestor of two revisions, `None` when their histories
    /// are unrelated. Fails with [`GitError::UnknownRevision`] when either
    /// names no commit.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, GitError> {
        let a = self.commit_or_unknown(a)?;
        let b = self.commit_or_unknown(b)?;
        let out = GitCommand::new(&self.path, &["merge-base", &a, &b]).output()?;
        if out.status.code() == Some(1) && out.stdout.is_empty() {
            return Ok(None);
        }
        if !out.status.success() {
            return Err(out.failure());
        }
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !is_hex40(&id) {
            return Err(GitError::Parse {
                command: out.display,
                message: format!("expected a commit id, got {id:?}"),
            });
        }
        Ok(Some(id))
    }

    fn commit_or_unknown(&self, rev: &str) -> Result<String, GitError> {
        self.resolve_commit(rev)?
            .ok_or_else(|| GitError::UnknownRevision {
                rev: rev.chars().take(200).collect(),
            })
    }

    /// The files that differ between `base` and `head` (revisions naming
    /// commits or trees; [`crate::EMPTY_TREE`] as `base` lists every file of
    /// `head` as added), with renames detected, and for each the lines of its
    /// `head` version that the change adds (`-U0` hunks). Binary files are
    /// listed with no added lines; submodules are not listed. Sorted by path,
    /// as git prints them.
    pub fn changed_files(&self, base: &str, head: &str) -> Result<Vec<ChangedFile>, GitError> {
        let tree = |rev: &str| {
            self.resolve(rev, "tree")?
                .ok_or_else(|| GitError::UnknownRevision {
                    rev: rev.chars().take(200).collect(),
                })
        };
        let (base, head) = (tree(base)?, tree(head)?);
        let (raw, patch) = thread::scope(|scope| {
            let patch = thread::Builder::new()
                .name("git-diff-patch".into())
                .spawn_scoped(scope, || {
                    let args: Vec<&str> = diff::DIFF_ARGS
                        .iter()
                        .chain(diff::PATCH_ARGS)
                        .copied()
                        .chain([base.as_str(), head.as_str()])
                        .collect();
                    self.run_for_stdout(&args)
                })
                .map_err(|e| GitError::io("starting a thread to run git diff-tree", e))?;
            let args: Vec<&str> = diff::DIFF_ARGS
                .iter()
                .copied()
                .chain(["--raw", "-z", base.as_str(), head.as_str()])
                .collect();
            let raw = self.run_for_stdout(&args);
            let patch = patch
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok::<_, GitError>((raw?, patch?))
        })?;
        let command = "git diff-tree".to_owned();
        let raw = diff::parse_raw(&raw).map_err(|message| GitError::Parse {
            command: command.clone(),
            message,
        })?;
        let added =
            diff::parse_added_lines(&patch).map_err(|message| GitError::Parse { command, message })?;
        Ok(diff::join(raw, added))
    }

    /// Every regular file of the tree of commit `rev` (`ls-tree -r`), with its
    /// blob id and size: what a scan of a branch tip reads. Symbolic links and
    /// submodules are not files and are left out. `None` when `rev` names no
    /// commit.
    pub fn tree_files(&self, rev: &str) -> Result<Option<Vec<TreeFile>>, GitError> {
        let Some(commit) = self.resolve_commit(rev)? else {
            return Ok(None);
        };
        let out = self.run_for_stdout(&[
            "ls-tree",
            "-r",
            "-z",
            "-l",
            "--full-tree",
            "--end-of-options",
            &commit,
        ])?;
        let mut files = Vec::new();
        for entry in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let parse = || -> Option<TreeFile> {
                let tab = entry.iter().position(|&b| b == b'\t')?;
                let (meta, path) = (std::str::from_utf8(&entry[..tab]).ok()?, &entry[tab + 1..]);
                let mut fields = meta.split_ascii_whitespace();
                let (mode, kind, id, size) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
                if kind != "blob" || mode == "120000" {
                    return Some(TreeFile {
                        path: String::new(),
                        id: BlobId::from_hex(id).ok()?,
                        size: 0,
                    });
                }
                Some(TreeFile {
                    path: String::from_utf8_lossy(path).into_owned(),
                    id: BlobId::from_hex(id).ok()?,
                    size: size.parse().ok()?,
                })
            };
            match parse() {
                Some(file) if !file.path.is_empty() => files.push(file),
                Some(_) => {}
                None => {
                    return Err(GitError::Parse {
                        command: "git ls-tree".into(),
                        message: format!("unexpected entry {:?}", String::from_utf8_lossy(entry)),
                    });
                }
            }
        }
        Ok(Some(files))
    }

    /// Runs a short command and returns its stdout, failing on a non-zero exit.
    fn run_for_stdout(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        let out = GitCommand::new(&self.path, args).output()?;
        if !out.status.success() {
            return Err(out.failure());
        }
        Ok(out.stdout)
    }

    /// Every blob reachable from any ref (`--all`: branches, tags, remotes,
    /// notes, stash; not the [`crate::CloneCache::fetch_ref`] refs under
    /// `refs/palisade/`), once, with the commit and path that introduced it.
    ///
    /// Sorted by introducing commit (parents before children), then path, then
    /// id; blobs no commit introduces (reached only through a tag) come last.
    /// Submodule entries are not blobs and are not listed. In a repository
    /// without commits the list is empty.
    pub fn history_blobs(&self) -> Result<Vec<HistoryBlob>, GitError> {
        self.history_blobs_since(&[])
    }

    /// [`Repo::history_blobs`] without what `exclude` (commit ids, typically
    /// the [`Repo::ref_tips`] of an earlier scan) already reaches: blobs of
    /// commits reachable from some ref but from none of `exclude`, credited to
    /// the commit among those that introduced them. A blob such a commit
    /// brings back unchanged from older history may be listed again.
    ///
    /// Ids that are not full hex ids, or name no commit in the repository
    /// (history rewritten by a force-push, then collected), are ignored: the
    /// scan then covers more, never less.
    pub fn history_blobs_since(&self, exclude: &[String]) -> Result<Vec<HistoryBlob>, GitError> {
        let exclude = self.existing_commits(exclude)?;
        let (listed, introductions) = thread::scope(|scope| {
            let log = thread::Builder::new()
                .name("git-log".into())
                .spawn_scoped(scope, || self.introductions(&exclude))
                .map_err(|e| GitError::io("starting a thread to read git log", e))?;
            let listed = self.reachable_blobs(&exclude);
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

    /// The commits of `ids` present in the repository (tags peeled), deduplicated.
    fn existing_commits(&self, ids: &[String]) -> Result<Vec<String>, GitError> {
        let mut seen = HashSet::new();
        let mut wanted = Vec::new();
        for id in ids {
            let id = id.to_ascii_lowercase();
            if !is_hex40(&id) {
                tracing::warn!(repo = %self.path.display(), id = %id.chars().take(80).collect::<String>(),
                    "not a commit id; not excluded from the scan");
                continue;
            }
            if seen.insert(id.clone()) {
                wanted.push(id);
            }
        }
        let peeled = catfile::peel_to_commits(&self.path, &wanted)?;
        let mut out = Vec::with_capacity(wanted.len());
        let mut gone = 0usize;
        let mut kept = HashSet::new();
        for commit in peeled {
            match commit {
                Some(commit) => {
                    if kept.insert(commit.clone()) {
                        out.push(commit);
                    }
                }
                None => gone += 1,
            }
        }
        if gone > 0 {
            tracing::debug!(repo = %self.path.display(), gone, "excluded commits no longer in the repository are ignored");
        }
        Ok(out)
    }

    /// Starts `args` with the revisions `^<id>` of `exclude` on its stdin
    /// (`--stdin` must be among `args` when `exclude` is not empty).
    fn spawn_excluding(&self, args: &[&str], exclude: &[String]) -> Result<Running, GitError> {
        if exclude.is_empty() {
            return Ok(GitCommand::new(&self.path, args).spawn(false)?.0);
        }
        let (running, stdin) = GitCommand::new(&self.path, args).spawn(true)?;
        let Some(mut stdin) = stdin else {
            return Err(GitError::io(
                format!("starting `{}`", running.display()),
                std::io::Error::other("stdin was not captured"),
            ));
        };
        let revs: String = exclude.iter().flat_map(|id| ["^", id.as_str(), "\n"]).collect();
        // Git reads every revision before it prints anything, so writing all
        // of them before reading cannot deadlock. Dropping stdin ends the list.
        if let Err(e) = stdin.write_all(revs.as_bytes()) {
            let stderr = running.kill();
            return Err(GitError::CommandFailed {
                command: args.join(" "),
                message: if stderr.first_line.is_empty() {
                    e.to_string()
                } else {
                    stderr.first_line
                },
            });
        }
        drop(stdin);
        Ok(running)
    }

    /// Runs `git log` over all refs (but `exclude`) and records where each
    /// blob first appears.
    fn introductions(&self, exclude: &[String]) -> Result<Introductions, GitError> {
        let args: Vec<&str> = LOG_ARGS
            .iter()
            .copied()
            .chain((!exclude.is_empty()).then_some("--stdin"))
            .collect();
        let mut running = self.spawn_excluding(&args, exclude)?;
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

    /// `(id, size, path)` of every blob reachable from any ref but not from
    /// `exclude`. The path is the one `git rev-list` names it by (cut at a
    /// newline), a fallback for blobs the log does not introduce.
    fn reachable_blobs(&self, exclude: &[String]) -> Result<Vec<(BlobId, u64, String)>, GitError> {
        let mut args = vec![
            "rev-list",
            "--objects",
            "--exclude=refs/palisade/*",
            "--all",
            "--filter=object:type=blob",
            "--missing=print",
        ];
        if !exclude.is_empty() {
            args.push("--stdin");
        }
        let mut running = self.spawn_excluding(&args, exclude)?;
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

fn is_hex40(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn compare_commits(a: Option<usize>, b: Option<usize>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
