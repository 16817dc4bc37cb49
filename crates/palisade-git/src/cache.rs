//! A local cache of bare clones of remote repositories, kept current with
//! `git fetch --prune`.
//!
//! Each entry is `<root>/<key>.git`, a bare repository holding the remote's
//! branches and tags under their own names (`refs/heads/*`, `refs/tags/*`)
//! and its default branch as `HEAD`. The first sync clones (into a temporary
//! folder, renamed into place once complete, so an interrupted clone never
//! looks like a cache entry); later syncs only fetch. An entry git can no
//! longer read is deleted and cloned again.
//!
//! The authentication header is a credential. It reaches git only through
//! the environment (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0`
//! set to `http.extraHeader`), never the command line (visible in `ps`), the
//! URL or the repository's config file, and it is scrubbed from git's
//! messages before they become errors. Git runs with the user's global and
//! system configuration ignored, inherited `GIT_*` variables dropped (a proxy
//! still applies through `https_proxy`, a private CA through
//! `GIT_SSL_CAINFO`), no prompts, no credential helpers, and only the
//! `http`/`https` transports.
//!
//! Syncs of one key are serialized by a lock file (`<root>/<key>.lock`, an
//! advisory `flock`), across threads and processes. The lock covers the sync
//! only: do not sync or remove a key while scanning the [`Repo`] an earlier
//! sync returned.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::command::{GitCommand, TimedOutput};
use crate::{GitError, Repo};

/// What a fetch copies: every branch and tag, under the same names. Pull
/// request refs (`refs/pull/*`) and notes are left on the server.
const REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/// Where [`CloneCache::fetch_ref`] keeps the refs it fetches. Outside
/// `refs/heads` and `refs/tags`, so [`Repo::ref_tips`] never reports them and
/// history walks leave them out; [`CloneCache::sync`] deletes them.
pub(crate) const PRIVATE_NAMESPACE: &str = "refs/palisade/";

/// `-c` options of every command run on the cache.
const CONFIG: &[&str] = &[
    // Only the http(s) transports: no ssh, no `ext::` commands, no local paths.
    "protocol.allow=never",
    "protocol.https.allow=always",
    "protocol.http.allow=always",
    // No credential helpers and no askpass program: the header is the only credential.
    "credential.helper=",
    "core.askPass=",
    // A redirect would carry the credential header to another host.
    "http.followRedirects=false",
    "fetch.recurseSubmodules=false",
    "submodule.recurse=false",
    "core.hooksPath=/dev/null",
    // Housekeeping runs inside the sync, under its lock and its timeout,
    // rather than as a detached process that outlives both.
    "gc.autoDetach=false",
    "maintenance.autoDetach=false",
];

/// Inherited `GIT_*` variables kept for git: where its helpers live, and a
/// private certificate authority.
const KEPT_GIT_VARS: &[&str] = &["GIT_EXEC_PATH", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH"];

/// Longest cache key.
const MAX_KEY_LEN: usize = 100;

/// How long a waiting sync sleeps between attempts to take the lock.
const LOCK_POLL: Duration = Duration::from_millis(50);

/// A folder of bare clones of remote repositories, one per key, kept current
/// by [`CloneCache::sync`].
///
/// Each entry is `<root>/<key>.git`: a bare repository with the remote's
/// branches and tags under their own names and its default branch as `HEAD`.
/// The authentication header reaches git only through its environment
/// (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0=http.extraHeader`/`GIT_CONFIG_VALUE_0`),
/// never its command line, the URL or the repository's config, and is
/// scrubbed from git's messages. Git runs without the user's global or system
/// configuration or inherited `GIT_*` variables (proxies still apply through
/// `https_proxy`, a private CA through `GIT_SSL_CAINFO`), without prompts or
/// credential helpers, and over http(s) only.
///
/// Syncs and removals of one key are serialized across threads and
/// processes by an advisory lock on `<root>/<key>.lock` (left in place). The
/// lock covers the sync only: do not sync or remove a key while scanning the
/// [`Repo`] an earlier sync returned.
#[derive(Debug, Clone)]
pub struct CloneCache {
    root: PathBuf,
}

/// The outcome of [`CloneCache::sync`].
#[derive(Debug)]
pub struct Synced {
    /// The cached (bare) repository, up to date with the remote.
    pub repo: Repo,
    /// The repository was cloned by this sync rather than fetched into.
    pub cloned: bool,
    /// The cache entry was unreadable, so it was deleted and cloned again
    /// (`cloned` is then true as well).
    pub recloned_after_corruption: bool,
    /// Size of the cache entry after the sync.
    pub bytes_on_disk: u64,
    /// Time spent talking to the remote (clone or fetch, and reading its `HEAD`).
    pub fetch_duration: Duration,
}

/// The outcome of [`CloneCache::fetch_ref`].
#[derive(Debug)]
pub struct FetchedRef {
    /// The cached (bare) repository, now also holding the ref's commits.
    pub repo: Repo,
    /// Where the ref is kept in the cache entry, e.g. `refs/palisade/pull/12/merge`.
    pub local_ref: String,
    /// The commit the remote ref points at.
    pub commit: String,
    /// Time spent talking to the remote.
    pub fetch_duration: Duration,
}

impl CloneCache {
    /// Opens the cache at `root`, creating the folder (mode 0700 on Unix,
    /// also enforced on an existing folder) if needed.
    pub fn new(root: PathBuf) -> Result<Self, GitError> {
        let context = || format!("creating the clone cache {}", root.display());
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
            builder.mode(0o700);
            builder.create(&root).map_err(|e| GitError::io(context(), e))?;
            fs::set_permissions(&root, fs::Permissions::from_mode(0o700))
                .map_err(|e| GitError::io(context(), e))?;
        }
        #[cfg(not(unix))]
        builder.create(&root).map_err(|e| GitError::io(context(), e))?;
        let root = std::path::absolute(&root).unwrap_or(root);
        Ok(Self { root })
    }

    /// The folder holding the cache.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Brings the clone of `remote_url` under `key` up to date: clones it on
    /// first use (or when the entry is corrupt), else fetches, pruning
    /// branches and tags deleted on the remote.
    ///
    /// `remote_url` must be `http://` or `https://`, without a password
    /// (`user:pw@` is refused; a bare user name, as in Azure DevOps'
    /// `https://org@dev.azure.com/...`, is dropped). `auth_header` is a full
    /// HTTP header line such as `Authorization: Basic <base64>` or
    /// `Authorization: Bearer <token>`.
    ///
    /// `timeout` bounds the whole sync, waiting for the lock included: at the
    /// deadline git is killed and the sync fails with [`GitError::Timeout`].
    /// Remote failures are [`GitError::RemoteAuth`],
    /// [`GitError::RemoteNotFound`], [`GitError::DiskFull`] or
    /// [`GitError::Remote`]; none of them deletes a readable cache entry (an
    /// unreadable one is deleted before it is cloned again, so a failing
    /// re-clone leaves no entry).
    pub fn sync(
        &self,
        key: &str,
        remote_url: &str,
        auth_header: Option<&str>,
        timeout: Duration,
    ) -> Result<Synced, GitError> {
        check_key(key)?;
        let url = check_url(remote_url)?;
        let remote = Remote::new(&url, auth_header, timeout)?;
        let _lock = self.lock(key, Some((remote.deadline, timeout)))?;

        let dir = self.entry_dir(key);
        let staging = self.staging_dir(key);
        remove_dir_if_present(&staging)?;
        let mut fetch_duration = Duration::ZERO;
        let mut recloned = false;
        let cloned = if fs::symlink_metadata(&dir).is_ok() {
            match health(&dir, &remote).and_then(|private| drop_refs(&dir, &private, &remote)) {
                Ok(()) => {
                    let fetch_started = Instant::now();
                    let fetched = fetch(&dir, &remote);
                    fetch_duration = fetch_started.elapsed();
                    match fetched {
                        Ok(()) => false,
                        Err(Failure::Corrupt(message)) => {
                            tracing::warn!(key, %message, "the cached clone is corrupt; cloning it again");
                            recloned = true;
                            true
                        }
                        Err(Failure::Error(e)) => return Err(e),
                    }
                }
                Err(Failure::Corrupt(message)) => {
                    tracing::warn!(key, %message, "the cached clone is unreadable; cloning it again");
                    recloned = true;
                    true
                }
                Err(Failure::Error(e)) => return Err(e),
            }
        } else {
            true
        };
        if cloned {
            if recloned {
                remove_dir_if_present(&dir)?;
            }
            let clone_started = Instant::now();
            let result = clone_into(&self.root, &staging, &remote);
            fetch_duration += clone_started.elapsed();
            if let Err(e) = result {
                let _ = fs::remove_dir_all(&staging);
                return Err(e);
            }
            fs::rename(&staging, &dir).map_err(|e| {
                let _ = fs::remove_dir_all(&staging);
                GitError::io(format!("moving the new clone to {}", dir.display()), e)
            })?;
            tracing::info!(key, recloned, elapsed = ?fetch_duration, "cloned");
        } else {
            tracing::debug!(key, elapsed = ?fetch_duration, "fetched");
        }
        let repo = Repo::open(&dir)?;
        Ok(Synced {
            repo,
            cloned,
            recloned_after_corruption: recloned,
            bytes_on_disk: dir_size(&dir),
            fetch_duration,
        })
    }

    /// Fetches one more ref of the remote into the existing cache entry of
    /// `key`, forced, under a private name: `refs/pull/{n}/merge` (the merge
    /// commit Azure DevOps keeps for an active pull request, whose second
    /// parent is the source tip: the one way to get the commits of a pull
    /// request from a fork) becomes `refs/palisade/pull/{n}/merge`.
    ///
    /// Private refs are not branches or tags: [`Repo::ref_tips`] does not
    /// report them, [`Repo::history_blobs`] does not walk them, and the next
    /// [`CloneCache::sync`] deletes them.
    ///
    /// Only `refs/pull/<digits>/merge` is accepted
    /// ([`GitError::InvalidRefName`] otherwise). A remote without that ref
    /// fails with [`GitError::RemoteRefNotFound`]; an entry never synced with
    /// [`GitError::NotARepository`]. The remote, credential, timeout, locking
    /// and other errors are those of [`CloneCache::sync`].
    pub fn fetch_ref(
        &self,
        key: &str,
        remote_url: &str,
        auth_header: Option<&str>,
        remote_ref: &str,
        timeout: Duration,
    ) -> Result<FetchedRef, GitError> {
        check_key(key)?;
        let local_ref = private_ref(remote_ref)?;
        let url = check_url(remote_url)?;
        let remote = Remote::new(&url, auth_header, timeout)?;
        let _lock = self.lock(key, Some((remote.deadline, timeout)))?;
        let dir = self.entry_dir(key);
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Err(GitError::NotARepository {
                path: dir,
                message: "the clone cache has no entry for this key: sync it first".to_owned(),
            });
        }
        let refspec = format!("+{remote_ref}:{local_ref}");
        let fetch_started = Instant::now();
        let out = run(
            &dir,
            &[
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--no-recurse-submodules",
                "--end-of-options",
                remote.url,
                &refspec,
            ],
            remote.auth_header,
            &remote,
        )?;
        let fetch_duration = fetch_started.elapsed();
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
            if stderr.contains("couldn't find remote ref") || stderr.contains("could not find remote ref") {
                return Err(GitError::RemoteRefNotFound {
                    name: remote_ref.to_owned(),
                });
            }
            return Err(classify(&out, &remote, false));
        }
        let repo = Repo::open(&dir)?;
        let commit = repo
            .resolve_commit(&local_ref)?
            .ok_or_else(|| GitError::UnknownRevision {
                rev: local_ref.clone(),
            })?;
        tracing::debug!(key, remote_ref, elapsed = ?fetch_duration, "fetched one ref");
        Ok(FetchedRef {
            repo,
            local_ref,
            commit,
            fetch_duration,
        })
    }

    /// Deletes the cache entry of `key` (nothing to do when there is none),
    /// waiting for a sync of the same key to finish first.
    pub fn remove(&self, key: &str) -> Result<(), GitError> {
        check_key(key)?;
        let _lock = self.lock(key, None)?;
        remove_dir_if_present(&self.staging_dir(key))?;
        remove_dir_if_present(&self.entry_dir(key))
    }

    /// Bytes used by the whole cache (files under its root; unreadable
    /// entries count as 0).
    pub fn size(&self) -> u64 {
        dir_size(&self.root)
    }

    /// The cached clone of `key` as it is, without talking to the remote;
    /// `None` when there is none (never synced, removed, or not a repository).
    pub fn open(&self, key: &str) -> Option<Repo> {
        check_key(key).ok()?;
        let dir = self.entry_dir(key);
        dir.is_dir().then(|| Repo::open(&dir).ok()).flatten()
    }

    fn entry_dir(&self, key: &str) -> PathBuf {
        self.root.join(format!("{key}.git"))
    }

    /// Where a clone is built before it is renamed into place. Keys never
    /// start with `.`, so this never collides with an entry.
    fn staging_dir(&self, key: &str) -> PathBuf {
        self.root.join(format!(".staging-{key}.git"))
    }

    /// Takes the lock of `key`, waiting until the deadline (or for ever).
    fn lock(&self, key: &str, deadline: Option<(Instant, Duration)>) -> Result<File, GitError> {
        let path = self.root.join(format!("{key}.lock"));
        let context = || format!("locking {}", path.display());
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| GitError::io(context(), e))?;
        let Some((deadline, budget)) = deadline else {
            file.lock().map_err(|e| GitError::io(context(), e))?;
            return Ok(file);
        };
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(GitError::io(context(), e)),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(GitError::Timeout(format!(
                    "another sync of {key:?} did not finish within {budget:?}"
                )));
            }
            std::thread::sleep(LOCK_POLL.min(deadline - now));
        }
    }
}

/// Checks that `dir` is a bare repository git can read, whose refs all
/// point at objects it has. Returns the refs [`CloneCache::fetch_ref`] left.
fn health(dir: &Path, remote: &Remote<'_>) -> Result<Vec<String>, Failure> {
    let out = run(
        dir,
        &["rev-parse", "--is-bare-repository", "--absolute-git-dir"],
        None,
        remote,
    )?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    if !out.status.success() || lines.next() != Some("true") {
        return Err(Failure::Corrupt(remote.scrubber.message(&out.stderr, out.status)));
    }
    let same_dir = match (lines.next().map(fs::canonicalize), fs::canonicalize(dir)) {
        (Some(Ok(found)), Ok(expected)) => found == expected,
        _ => false,
    };
    if !same_dir {
        return Err(Failure::Corrupt("not a git repository".to_owned()));
    }
    let out = run(
        dir,
        &["for-each-ref", "--format=%(objecttype) %(refname)"],
        None,
        remote,
    )?;
    let unreadable = out
        .stdout
        .split(|&b| b == b'\n')
        .any(|l| l.first() == Some(&b' '));
    if !out.status.success() || unreadable {
        return Err(Failure::Corrupt(remote.scrubber.message(&out.stderr, out.status)));
    }
    let private = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, name)| name))
        .filter(|name| name.starts_with(PRIVATE_NAMESPACE))
        .map(str::to_owned)
        .collect();
    Ok(private)
}

/// Deletes refs (the private ones a sync drops: a pull request fetches its
/// ref again, and a closed one's commits need not be kept).
fn drop_refs(dir: &Path, refs: &[String], remote: &Remote<'_>) -> Result<(), Failure> {
    for name in refs {
        let out = run(dir, &["update-ref", "-d", "--end-of-options", name], None, remote)?;
        if !out.status.success() {
            return Err(Failure::Error(classify(&out, remote, false)));
        }
    }
    Ok(())
}

/// Everything about the remote side of one sync.
struct Remote<'a> {
    url: &'a str,
    auth_header: Option<&'a str>,
    scrubber: Scrubber,
    deadline: Instant,
    budget: Duration,
}

impl<'a> Remote<'a> {
    /// A checked remote whose git commands must end within `timeout` from now.
    fn new(url: &'a str, auth_header: Option<&'a str>, timeout: Duration) -> Result<Self, GitError> {
        if let Some(header) = auth_header {
            check_header(header)?;
        }
        let started = Instant::now();
        Ok(Self {
            url,
            auth_header,
            scrubber: Scrubber::new(auth_header),
            deadline: started
                .checked_add(timeout)
                .unwrap_or_else(|| started + Duration::from_hours(24 * 365)),
            budget: timeout,
        })
    }
}

/// Why a step of a sync failed: the cache entry is unusable, or something
/// else (remote, disk, timeout) that a fresh clone would not fix.
enum Failure {
    Corrupt(String),
    Error(GitError),
}

impl From<GitError> for Failure {
    fn from(e: GitError) -> Self {
        Self::Error(e)
    }
}

/// Creates an empty bare repository at `staging` and fetches into it.
fn clone_into(root: &Path, staging: &Path, remote: &Remote<'_>) -> Result<(), GitError> {
    let name = staging
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // No template: no sample hooks, no `description`, nothing but the repository.
    let out = run(
        root,
        &["init", "--quiet", "--bare", "--template=", &name],
        None,
        remote,
    )?;
    if !out.status.success() {
        return Err(classify(&out, remote, false));
    }
    match fetch(staging, remote) {
        Ok(()) => Ok(()),
        // A repository created a moment ago cannot be corrupt: a failure
        // git words that way comes from what the remote sent.
        Err(Failure::Corrupt(message)) => Err(GitError::Remote(message)),
        Err(Failure::Error(e)) => Err(e),
    }
}

/// Fetches every branch and tag, pruning the deleted ones, then points `HEAD`
/// at the remote's default branch.
fn fetch(dir: &Path, remote: &Remote<'_>) -> Result<(), Failure> {
    let mut args = vec![
        "fetch",
        "--quiet",
        "--prune",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--end-of-options",
        remote.url,
    ];
    args.extend(REFSPECS);
    let out = run(dir, &args, remote.auth_header, remote)?;
    if !out.status.success() {
        return Err(match classify(&out, remote, true) {
            GitError::CommandFailed { message, .. } => Failure::Corrupt(message),
            other => Failure::Error(other),
        });
    }

    let out = run(
        dir,
        &["ls-remote", "--symref", "--end-of-options", remote.url, "HEAD"],
        remote.auth_header,
        remote,
    )?;
    if !out.status.success() {
        return Err(Failure::Error(classify(&out, remote, false)));
    }
    // `ref: refs/heads/main<TAB>HEAD`; nothing for an empty repository.
    let text = String::from_utf8_lossy(&out.stdout);
    let target = text.lines().find_map(|line| {
        let (target, name) = line.strip_prefix("ref: ")?.split_once('\t')?;
        (name == "HEAD" && target.starts_with("refs/heads/")).then_some(target)
    });
    let Some(target) = target else {
        return Ok(());
    };
    let exists = run(
        dir,
        &["show-ref", "--verify", "--quiet", "--end-of-options", target],
        None,
        remote,
    )?;
    if exists.status.success() {
        let out = run(dir, &["symbolic-ref", "HEAD", target], None, remote)?;
        if !out.status.success() {
            return Err(Failure::Error(classify(&out, remote, false)));
        }
    }
    Ok(())
}

/// Runs git in `dir` with the cache's isolated configuration and
/// environment, until the sync's deadline.
fn run(
    dir: &Path,
    args: &[&str],
    auth_header: Option<&str>,
    remote: &Remote<'_>,
) -> Result<TimedOutput, GitError> {
    let command = remote_command(dir, args, auth_header);
    command.output_until(remote.deadline, remote.budget)
}

/// The command [`run`] runs. The header goes into the environment only.
fn remote_command(dir: &Path, args: &[&str], auth_header: Option<&str>) -> GitCommand {
    let mut git = GitCommand::with_config(dir, CONFIG, args);
    let command = git.command_mut();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        // `GIT_ALLOW_PROTOCOL` would override `protocol.allow`, `GIT_TRACE_CURL`
        // (with `GIT_TRACE_REDACT=0`) would print the header, `GIT_SSL_NO_VERIFY`
        // would send it to anyone, `GIT_CONFIG_*` would add configuration.
        if name.starts_with("GIT_") && !KEPT_GIT_VARS.contains(&name.as_ref()) {
            command.env_remove(name.as_ref());
        }
    }
    command
        .env_remove("SSH_ASKPASS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "false")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        // Git never looks above the cache entry for a repository.
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir));
    if let Some(header) = auth_header {
        command
            .env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "http.extraHeader")
            .env("GIT_CONFIG_VALUE_0", header);
    }
    git
}

/// Turns a failed git run into a typed error, its message scrubbed. With
/// `local_damage`, errors that point at the local repository come back as
/// [`GitError::CommandFailed`] for the caller to treat as corruption.
fn classify(out: &TimedOutput, remote: &Remote<'_>, local_damage: bool) -> GitError {
    let message = remote.scrubber.message(&out.stderr, out.status);
    let text = remote
        .scrubber
        .scrub(&String::from_utf8_lossy(&out.stderr))
        .to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(&["no space left on device", "disk quota exceeded", "enospc"]) {
        return GitError::DiskFull(message);
    }
    if has(&[
        "authentication failed",
        "could not read username",
        "could not read password",
        "terminal prompts disabled",
        "returned error: 401",
        "returned error: 403",
        "http basic: access denied",
        "tf400813",
    ]) {
        return GitError::RemoteAuth(message);
    }
    let repository_not_found = text
        .lines()
        .any(|l| l.contains("repository") && l.contains("not found"));
    if repository_not_found
        || has(&[
            "returned error: 404",
            "tf401019",
            "tf200016",
            "does not appear to be a git repository",
        ])
    {
        return GitError::RemoteNotFound(message);
    }
    if local_damage
        && has(&[
            "corrupt",
            "bad object",
            "missing object",
            "not a git repository",
            "unable to read",
            "did not send all necessary objects",
            "bad config",
            "broken link",
            "invalid object",
            "loose object",
            "packfile",
            "unable to parse",
        ])
    {
        return GitError::CommandFailed {
            command: out.display.clone(),
            message,
        };
    }
    GitError::Remote(message)
}

/// Removes a credential from text git printed.
#[derive(Default)]
struct Scrubber {
    /// Longest first, so a secret is never partly replaced by a shorter one.
    secrets: Vec<String>,
}

const REDACTED: &str = "[REDACTED]";

impl Scrubber {
    /// Secrets of an `Authorization`-style header: the header, its value, the
    /// value's credential words, and for `Basic` the decoded `user:password`
    /// and password.
    fn new(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::default();
        };
        let mut secrets = vec![header.trim().to_owned()];
        if let Some((_, value)) = header.split_once(':') {
            let value = value.trim();
            secrets.push(value.to_owned());
            let words: Vec<&str> = value.split_whitespace().collect();
            // The first of several words is the scheme (`Basic`, `Bearer`).
            let credentials = if words.len() > 1 { &words[1..] } else { &words[..] };
            for word in credentials {
                secrets.push((*word).to_owned());
                if let Some(decoded) = base64_decode(word).and_then(|d| String::from_utf8(d).ok()) {
                    if let Some((_, password)) = decoded.split_once(':') {
                        secrets.push(password.to_owned());
                    }
                    secrets.push(decoded);
                }
            }
        }
        secrets.retain(|s| s.len() >= 4);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// The lines of `stderr` worth showing (`fatal:`, `error:`, `remote:`),
    /// at most three, scrubbed; else its first line; else the exit status.
    fn message(&self, stderr: &[u8], status: std::process::ExitStatus) -> String {
        let text = self.scrub(&String::from_utf8_lossy(stderr));
        let clean = |line: &str| crate::command::first_line(line.as_bytes());
        let mut picked: Vec<String> = Vec::new();
        for line in text.lines().map(str::trim) {
            let wanted = ["fatal:", "error:", "remote:"]
                .iter()
                .any(|p| line.starts_with(p));
            if wanted && picked.len() < 3 {
                let line = clean(line);
                if !picked.contains(&line) {
                    picked.push(line);
                }
            }
        }
        if picked.is_empty() {
            let first = clean(&text);
            if first.is_empty() {
                return format!("git exited with {status}");
            }
            return first;
        }
        picked.join(" | ")
    }
}

/// Standard base64 (padding optional); `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The private name of `remote_ref`, which must be `refs/pull/<digits>/merge`
/// (it ends up on git's command line).
fn private_ref(remote_ref: &str) -> Result<String, GitError> {
    let number = remote_ref
        .strip_prefix("refs/pull/")
        .and_then(|rest| rest.strip_suffix("/merge"));
    match number {
        Some(n) if !n.is_empty() && n.len() <= 10 && n.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(format!("{PRIVATE_NAMESPACE}pull/{n}/merge"))
        }
        _ => Err(GitError::InvalidRefName {
            name: remote_ref.chars().take(120).collect(),
            reason: "only refs/pull/<number>/merge is fetched",
        }),
    }
}

fn check_key(key: &str) -> Result<(), GitError> {
    let reason = if key.is_empty() {
        Some("it is empty")
    } else if key.len() > MAX_KEY_LEN {
        Some("it is longer than 100 characters")
    } else if key.starts_with('.') {
        Some("it starts with '.'")
    } else if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        Some("only ASCII letters, digits, '.', '_' and '-' are allowed")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(GitError::InvalidCacheKey {
            key: key.chars().take(120).collect(),
            reason,
        }),
    }
}

/// Checks a remote URL and returns it without a bare user name.
fn check_url(url: &str) -> Result<String, GitError> {
    let invalid = |reason| Err(GitError::InvalidRemoteUrl { reason });
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return invalid("it contains spaces or control characters");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return invalid("only http:// and https:// URLs are fetched");
    };
    if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
        return invalid("only http:// and https:// URLs are fetched");
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = match authority.rsplit_once('@') {
        Some((userinfo, _)) if userinfo.contains(':') => {
            return invalid(
                "it contains credentials (user:password@); pass them as the authentication header instead",
            );
        }
        Some((_, host)) => host,
        None => authority,
    };
    if host.is_empty() {
        return invalid("it has no host");
    }
    Ok(format!("{scheme}://{host}{path}"))
}

fn check_header(header: &str) -> Result<(), GitError> {
    if header.contains(['\r', '\n', '\0']) {
        return Err(GitError::InvalidAuthHeader {
            reason: "it contains a line break or NUL",
        });
    }
    match header.split_once(':') {
        Some((name, value))
            if !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !value.trim().is_empty() =>
        {
            Ok(())
        }
        _ => Err(GitError::InvalidAuthHeader {
            reason: "expected `Name: value`, e.g. `Authorization: Bearer <token>`",
        }),
    }
}

/// Deletes `dir` and everything in it (or a file or link in its place).
fn remove_dir_if_present(dir: &Path) -> Result<(), GitError> {
    let result = match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(dir),
        Ok(_) => fs::remove_file(dir),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(GitError::io(format!("deleting {}", dir.display()), e)),
    }
}

/// Total size of the files under `dir`, not following symbolic links.
fn dir_size(dir: &Path) -> u64 {
    let mut total = 0u64;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                total = total.saturating_add(meta.len());
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Authorization: Basic OnNlY3JldC1wYXQtdmFsdWU="; // ":secret-pat-value"

    #[test]
    fn keys_are_checked() {
        for ok in ["a", "repo-1", "Org.Project_repo", &"x".repeat(100)] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".hidden",
            "a/b",
            "..",
            "a b",
            "é",
            "a\0",
            &"x".repeat(101),
            "../x",
        ] {
            assert!(
                matches!(check_key(bad), Err(GitError::InvalidCacheKey { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn urls_are_checked_and_user_names_dropped() {
        assert_eq!(
            check_url("https://org@dev.azure.com/org/p/_git/r").unwrap(),
            "https://dev.azure.com/org/p/_git/r"
        );
        assert_eq!(
            check_url("http://127.0.0.1:8080/x.git").unwrap(),
            "http://127.0.0.1:8080/x.git"
        );
        for bad in [
            "https://user:pw@host/r",
            "https://:token@host/r",
            "ssh://git@host/r",
            "git@host:r.git",
            "file:///tmp/r",
            "/tmp/r",
            "-uhttps://host/r",
            "ext::sh -c touch% /tmp/x",
            "https:///r",
            "https://host/r\nx",
        ] {
            let err = check_url(bad).unwrap_err();
            assert!(matches!(err, GitError::InvalidRemoteUrl { .. }), "{bad}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
    }

    #[test]
    fn headers_are_checked() {
        assert!(check_header(HEADER).is_ok());
        assert!(check_header("Authorization: Bearer abc").is_ok());
        for bad in [
            "Authorization Basic s3cr3t",
            ": s3cr3t",
            "Authorization:",
            "A: s3cr3t\r\nX: y",
            "Bad Name: s3cr3t",
        ] {
            let err = check_header(bad).unwrap_err();
            assert!(matches!(err, GitError::InvalidAuthHeader { .. }));
            assert!(!format!("{err} {err:?}").contains("s3cr3t"), "{err}");
        }
    }

    #[test]
    fn the_header_travels_in_the_environment_only() {
        let git = remote_command(Path::new("/tmp/x.git"), &["fetch", "https://h/r"], Some(HEADER));
        let command = git.display().to_owned();
        let git_args: Vec<String> = {
            let mut git = git;
            let c = git.command_mut();
            let args: Vec<String> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
            let envs: Vec<(String, Option<String>)> = c
                .get_envs()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.map(|v| v.to_string_lossy().into_owned()),
                    )
                })
                .collect();
            assert!(envs.contains(&("GIT_CONFIG_VALUE_0".to_owned(), Some(HEADER.to_owned()))));
            assert!(envs.contains(&("GIT_CONFIG_KEY_0".to_owned(), Some("http.extraHeader".to_owned()))));
            assert!(envs.contains(&("GIT_CONFIG_COUNT".to_owned(), Some("1".to_owned()))));
            assert!(envs.contains(&("GIT_TERMINAL_PROMPT".to_owned(), Some("0".to_owned()))));
            assert!(envs.contains(&("GIT_CONFIG_GLOBAL".to_owned(), Some("/dev/null".to_owned()))));
            args
        };
        for arg in git_args.iter().chain([&command]) {
            assert!(!arg.contains("secret") && !arg.contains("OnNlY3JldC"), "{arg}");
        }
        assert!(git_args.iter().any(|a| a == "protocol.allow=never"));
        assert!(git_args.iter().any(|a| a == "credential.helper="));

        let mut without = remote_command(Path::new("/tmp/x.git"), &["fetch"], None);
        assert!(
            !without
                .command_mut()
                .get_envs()
                .any(|(k, v)| k == "GIT_CONFIG_VALUE_0" && v.is_some())
        );
    }

    #[test]
    fn the_scrubber_removes_every_form_of_the_credential() {
        let scrubber = Scrubber::new(Some(HEADER));
        let text = format!(
            "fatal: {HEADER}\nerror: value Basic OnNlY3JldC1wYXQtdmFsdWU= decoded :secret-pat-value or secret-pat-value"
        );
        let cleaned = scrubber.scrub(&text);
        assert!(
            !cleaned.contains("secret-pat") && !cleaned.contains("OnNlY3JldC"),
            "{cleaned}"
        );
        assert!(cleaned.contains(REDACTED));
        let bearer = Scrubber::new(Some("Authorization: Bearer eyJ0eXAi.tok.en"));
        assert_eq!(bearer.scrub("got eyJ0eXAi.tok.en back"), "got [REDACTED] back");
        assert_eq!(Scrubber::new(None).scrub("as is"), "as is");
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(
            base64_decode("OnNlY3JldC1wYXQtdmFsdWU=").unwrap(),
            b":secret-pat-value"
        );
        assert_eq!(base64_decode("YQ").unwrap(), b"a");
        assert!(base64_decode("not base64!").is_none());
    }

    fn failed(stderr: &str) -> TimedOutput {
        #[cfg(unix)]
        let status = {
            use std::os::unix::process::ExitStatusExt as _;
            std::process::ExitStatus::from_raw(128 << 8)
        };
        #[cfg(not(unix))]
        let status = std::process::Command::new("git").arg("--bogus").status().unwrap();
        TimedOutput {
            status,
            stdout: Vec::new(),
            stderr: stderr.as_bytes().to_vec(),
            display: "git fetch".to_owned(),
        }
    }

    type Check = fn(&GitError) -> bool;

    #[test]
    fn failures_are_classified() {
        let remote = Remote {
            url: "https://h/r",
            auth_header: Some(HEADER),
            scrubber: Scrubber::new(Some(HEADER)),
            deadline: Instant::now(),
            budget: Duration::from_secs(1),
        };
        let cases: [(&str, Check); 8] = [
            ("fatal: Authentication failed for 'https://h/r/'", |e| {
                matches!(e, GitError::RemoteAuth(_))
            }),
            (
                "fatal: unable to access 'https://h/r/': The requested URL returned error: 403",
                |e| matches!(e, GitError::RemoteAuth(_)),
            ),
            (
                "fatal: could not read Username for 'https://h': terminal prompts disabled",
                |e| matches!(e, GitError::RemoteAuth(_)),
            ),
            (
                "remote: TF401019: The Git repository with name or identifier r does not exist\nfatal: repository 'https://h/r/' not found",
                |e| matches!(e, GitError::RemoteNotFound(_)),
            ),
            (
                "error: unable to write file: No space left on device\nfatal: index-pack failed",
                |e| matches!(e, GitError::DiskFull(_)),
            ),
            (
                "fatal: unable to access 'https://h/r/': Could not resolve host: h",
                |e| matches!(e, GitError::Remote(_)),
            ),
            (
                "fatal: bad object refs/heads/main\nerror: https://h/r did not send all necessary objects",
                |e| matches!(e, GitError::CommandFailed { .. }),
            ),
            ("", |e| matches!(e, GitError::Remote(m) if m.contains("exited"))),
        ];
        for (stderr, check) in cases {
            let e = classify(&failed(stderr), &remote, true);
            assert!(check(&e), "{stderr:?}: {e:?}");
        }
        let e = classify(&failed("fatal: bad object refs/heads/main"), &remote, false);
        assert!(matches!(e, GitError::Remote(_)), "{e:?}");
        let leak =
            format!("fatal: unable to access: header {HEADER} rejected (401)\nfatal: Authentication failed");
        let e = classify(&failed(&leak), &remote, true);
        let shown = format!("{e} {e:?}");
        assert!(matches!(e, GitError::RemoteAuth(_)), "{e:?}");
        assert!(
            !shown.contains("OnNlY3JldC") && !shown.contains("secret-pat"),
            "{shown}"
        );
    }
}
