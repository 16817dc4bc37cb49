//! The clone cache against a real smart-HTTP server (`git http-backend`).

use std::path::Path;
use std::time::{Duration, Instant};

use palisade_git::{CloneCache, GitError, Synced};

use crate::server::GitServer;
use crate::support::{TestRepo, blob};

/// `Basic base64(":<TOKEN>")`, as Azure DevOps takes a PAT.
const TOKEN: &str = "pat-7c1d9e04b2aa";
const HEADER: &str = "Authorization: Basic OnBhdC03YzFkOWUwNGIyYWE=";
const HEADER_VALUE: &str = "Basic OnBhdC03YzFkOWUwNGIyYWE=";
const BASE64_PART: &str = "OnBhdC03YzFkOWUwNGIyYWE=";

const TIMEOUT: Duration = Duration::from_mins(1);

fn work_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("README.md", b"hello\n");
    repo.commit("Ann", 1_700_000_000);
    repo
}

fn cache() -> (tempfile::TempDir, CloneCache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = CloneCache::new(dir.path().join("cache")).unwrap();
    (dir, cache)
}

fn sync(cache: &CloneCache, key: &str, server: &GitServer, name: &str) -> Result<Synced, GitError> {
    cache.sync(key, &server.url(name), Some(HEADER), TIMEOUT)
}

/// Every file under `dir`, for a byte search.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out
}

fn assert_no_credential_in(text: &str) {
    for needle in [TOKEN, HEADER_VALUE, BASE64_PART] {
        assert!(
            !text.contains(needle),
            "credential {needle:?} leaked into {text:?}"
        );
    }
}

#[test]
fn first_sync_clones_later_syncs_fetch_and_follow_the_remote() {
    let server = GitServer::start();
    server.require_auth(HEADER_VALUE);
    let work = work_repo();
    work.git(&["branch", "doomed"]);
    server.publish("proj", &work);
    let (_dir, cache) = cache();

    let first = sync(&cache, "org.proj-1", &server, "proj").unwrap();
    assert!(first.cloned && !first.recloned_after_corruption);
    assert!(first.bytes_on_disk > 0);
    assert_eq!(first.repo.path(), cache.root().join("org.proj-1.git"));
    assert_eq!(
        first.repo.work_tree().unwrap(),
        None,
        "the cache holds bare repositories"
    );
    let head = work.git(&["rev-parse", "HEAD"]);
    assert_eq!(first.repo.head_commit().unwrap(), Some(head.clone()));
    let tips = first.repo.ref_tips().unwrap();
    assert_eq!(
        tips,
        vec![
            ("refs/heads/doomed".to_owned(), head.clone()),
            ("refs/heads/main".to_owned(), head.clone()),
        ]
    );
    assert!(
        server
            .seen_auth()
            .iter()
            .all(|a| a.as_deref() == Some(HEADER_VALUE)),
        "every request carries the header"
    );

    let again = sync(&cache, "org.proj-1", &server, "proj").unwrap();
    assert!(!again.cloned && !again.recloned_after_corruption, "{again:?}");

    // New commit and tag, a deleted branch, and a new default branch.
    work.write("src/new.txt", b"new content\n");
    let second = work.commit("Bob", 1_700_000_100);
    work.git(&["tag", "-a", "-m", "release", "v1"]);
    work.git(&["branch", "-D", "doomed"]);
    work.git(&["checkout", "-q", "-b", "trunk"]);
    server.delete("proj");
    server.publish("proj", &work);

    let third = sync(&cache, "org.proj-1", &server, "proj").unwrap();
    assert!(!third.cloned);
    assert_eq!(
        third.repo.ref_tips().unwrap(),
        vec![
            ("refs/heads/main".to_owned(), second.clone()),
            ("refs/heads/trunk".to_owned(), second.clone()),
            ("refs/tags/v1".to_owned(), second.clone()),
        ],
        "new refs arrive, deleted ones are pruned, tags are peeled"
    );
    assert_eq!(
        third.repo.resolve_commit("HEAD").unwrap(),
        Some(second),
        "HEAD follows the remote's default branch"
    );
    assert_eq!(
        std::fs::read_to_string(third.repo.path().join("HEAD"))
            .unwrap()
            .trim(),
        "ref: refs/heads/trunk"
    );

    // Only what the first sync did not have.
    let old_tips: Vec<String> = tips.into_iter().map(|(_, id)| id).collect();
    let new_blobs = third.repo.history_blobs_since(&old_tips).unwrap();
    assert_eq!(new_blobs.len(), 1);
    assert_eq!(new_blobs[0].id, blob(b"new content\n"));
    assert_eq!(new_blobs[0].path, "src/new.txt");
}

#[test]
fn the_credential_never_reaches_disk_or_the_cache_config() {
    let server = GitServer::start();
    server.require_auth(HEADER_VALUE);
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();
    sync(&cache, "k", &server, "proj").unwrap();
    sync(&cache, "k", &server, "proj").unwrap();

    let config = std::fs::read_to_string(cache.root().join("k.git/config")).unwrap();
    assert!(!config.to_lowercase().contains("extraheader"), "{config}");
    for file in files_under(cache.root()) {
        let bytes = std::fs::read(&file).unwrap();
        assert_no_credential_in(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn wrong_credentials_are_a_typed_error_without_the_header() {
    let server = GitServer::start();
    server.require_auth("Basic something-else");
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();

    let err = sync(&cache, "k", &server, "proj").unwrap_err();
    assert!(matches!(err, GitError::RemoteAuth(_)), "{err:?}");
    assert_no_credential_in(&format!("{err} {err:?}"));
    assert!(
        !cache.root().join("k.git").exists(),
        "a failed first sync leaves nothing"
    );

    // Without any header: the same typed error, and git never prompts.
    let err = cache.sync("k", &server.url("proj"), None, TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::RemoteAuth(_)), "{err:?}");
}

#[test]
fn a_revoked_credential_keeps_the_cache() {
    let server = GitServer::start();
    server.require_auth(HEADER_VALUE);
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();
    let first = sync(&cache, "k", &server, "proj").unwrap();

    server.require_auth("Basic rotated");
    let err = sync(&cache, "k", &server, "proj").unwrap_err();
    assert!(matches!(err, GitError::RemoteAuth(_)), "{err:?}");
    assert_no_credential_in(&format!("{err} {err:?}"));
    assert!(
        first.repo.head_commit().unwrap().is_some(),
        "the cache entry is kept"
    );
}

#[test]
fn a_missing_or_deleted_repository_is_not_found() {
    let server = GitServer::start();
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();

    let err = sync(&cache, "nope", &server, "does-not-exist").unwrap_err();
    assert!(matches!(err, GitError::RemoteNotFound(_)), "{err:?}");
    assert!(err.to_string().contains("not found"), "{err}");

    let synced = sync(&cache, "k", &server, "proj").unwrap();
    server.delete("proj");
    let err = sync(&cache, "k", &server, "proj").unwrap_err();
    assert!(matches!(err, GitError::RemoteNotFound(_)), "{err:?}");
    assert!(
        synced.repo.head_commit().unwrap().is_some(),
        "the cache entry is kept"
    );
}

#[test]
fn an_unreachable_server_is_a_remote_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (_dir, cache) = cache();
    let err = cache
        .sync(
            "k",
            &format!("http://127.0.0.1:{port}/x.git"),
            Some(HEADER),
            TIMEOUT,
        )
        .unwrap_err();
    assert!(matches!(err, GitError::Remote(_)), "{err:?}");
    assert_no_credential_in(&format!("{err} {err:?}"));
}

#[test]
fn an_empty_remote_repository_syncs() {
    let server = GitServer::start();
    server.publish_empty("empty");
    let (_dir, cache) = cache();
    let synced = sync(&cache, "k", &server, "empty").unwrap();
    assert!(synced.cloned);
    assert!(synced.repo.ref_tips().unwrap().is_empty());
    assert_eq!(synced.repo.head_commit().unwrap(), None);
    assert!(synced.repo.history_blobs().unwrap().is_empty());
    assert!(!sync(&cache, "k", &server, "empty").unwrap().cloned);
}

#[test]
fn a_hanging_server_times_out_and_git_is_killed() {
    let server = GitServer::start();
    server.publish("proj", &work_repo());
    server.stall(true);
    let (_dir, cache) = cache();
    let timeout = Duration::from_secs(2);

    let started = Instant::now();
    let (result, argv_seen) = std::thread::scope(|s| {
        let sync = s.spawn(|| cache.sync("k", &server.url("proj"), Some(HEADER), timeout));
        // While git waits on the server, look at every process's command line.
        let mut argv_seen = Vec::new();
        while !sync.is_finished() {
            argv_seen.extend(command_lines_mentioning(&server.port().to_string()));
            std::thread::sleep(Duration::from_millis(50));
        }
        (sync.join().unwrap(), argv_seen)
    });
    let elapsed = started.elapsed();

    let err = result.unwrap_err();
    assert!(matches!(err, GitError::Timeout(_)), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(!cache.root().join("k.git").exists());
    if cfg!(target_os = "linux") {
        assert!(
            !argv_seen.is_empty(),
            "git's processes were visible while it waited"
        );
        for argv in &argv_seen {
            assert_no_credential_in(argv);
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            command_lines_mentioning(&server.port().to_string()).is_empty(),
            "no git process outlives the timeout"
        );
    }
}

/// Command lines (`/proc/<pid>/cmdline`, NULs as spaces) containing `needle`.
fn command_lines_mentioning(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|line| line.contains(needle))
        .collect()
}

#[test]
fn a_corrupt_cache_entry_is_cloned_again() {
    let server = GitServer::start();
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();
    let entry = cache.root().join("k.git");

    sync(&cache, "k", &server, "proj").unwrap();
    // Objects gone: refs point nowhere.
    for file in files_under(&entry.join("objects")) {
        std::fs::remove_file(file).unwrap();
    }
    let synced = sync(&cache, "k", &server, "proj").unwrap();
    assert!(synced.recloned_after_corruption && synced.cloned, "{synced:?}");
    assert!(!synced.repo.history_blobs().unwrap().is_empty());

    // Not a repository any more.
    std::fs::write(entry.join("HEAD"), b"garbage").unwrap();
    let synced = sync(&cache, "k", &server, "proj").unwrap();
    assert!(synced.recloned_after_corruption, "{synced:?}");
    assert!(synced.repo.head_commit().unwrap().is_some());

    let fine = sync(&cache, "k", &server, "proj").unwrap();
    assert!(!fine.cloned && !fine.recloned_after_corruption);
}

#[test]
fn concurrent_syncs_of_one_key_clone_once() {
    let server = GitServer::start();
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();
    let results: Vec<Synced> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| sync(&cache, "k", &server, "proj").unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.cloned).count(), 1);
    assert!(results.iter().all(|r| !r.recloned_after_corruption));
}

#[test]
fn remove_and_size() {
    let server = GitServer::start();
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();
    assert_eq!(cache.size(), 0);
    let a = sync(&cache, "a", &server, "proj").unwrap();
    sync(&cache, "b", &server, "proj").unwrap();
    let total = cache.size();
    assert!(total >= 2 * a.bytes_on_disk, "{total} < 2 × {}", a.bytes_on_disk);

    cache.remove("a").unwrap();
    assert!(!cache.root().join("a.git").exists());
    assert!(cache.size() < total);
    cache.remove("a").unwrap();
    cache.remove("never-synced").unwrap();
    assert!(matches!(
        cache.remove("../b"),
        Err(GitError::InvalidCacheKey { .. })
    ));
    assert!(sync(&cache, "a", &server, "proj").unwrap().cloned);
}

#[test]
fn bad_keys_urls_and_local_remotes_are_refused_up_front() {
    let server = GitServer::start();
    let work = work_repo();
    server.publish("proj", &work);
    let (_dir, cache) = cache();

    for key in ["", ".git", "a/b", "..", &"k".repeat(101)] {
        let err = sync(&cache, key, &server, "proj").unwrap_err();
        assert!(
            matches!(err, GitError::InvalidCacheKey { .. }),
            "{key:?}: {err:?}"
        );
    }
    let with_password = server.url("proj").replace("http://", "http://user:hunter2@");
    let err = cache.sync("k", &with_password, None, TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::InvalidRemoteUrl { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("hunter2"));

    let local = work.bare_clone();
    for url in [
        format!("file://{}", local.display()),
        local.display().to_string(),
        format!("ext::git-upload-pack {}", local.display()),
    ] {
        let err = cache.sync("k", &url, None, TIMEOUT).unwrap_err();
        assert!(matches!(err, GitError::InvalidRemoteUrl { .. }), "{url}: {err:?}");
    }
    let err = cache
        .sync(
            "k",
            &server.url("proj"),
            Some("Authorization: Basic x\r\nX-Evil: 1"),
            TIMEOUT,
        )
        .unwrap_err();
    assert!(matches!(err, GitError::InvalidAuthHeader { .. }), "{err:?}");
    assert!(!cache.root().join("k.git").exists());
}

#[cfg(unix)]
#[test]
fn the_cache_root_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nested/cache");
    let cache = CloneCache::new(root.clone()).unwrap();
    assert_eq!(cache.root(), root);
    let mode = std::fs::metadata(&root).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

/// Publishes `work` as `name` with a pull request merge ref, `refs/pull/12/merge`:
/// a merge of main and a commit no branch reaches (a fork's). Returns the merge
/// commit and the fork's commit.
fn publish_with_merge_ref(server: &GitServer, name: &str, work: &TestRepo) -> (String, String) {
    server.publish(name, work);
    work.git(&["checkout", "-q", "-b", "fork"]);
    work.write("fork.txt", b"from a fork\n");
    let fork = work.commit("Fay", 1_700_000_050);
    work.git(&["checkout", "-q", "main"]);
    work.git(&["merge", "-q", "--no-ff", "-m", "Merge pull request 12", "fork"]);
    let merge = work.git(&["rev-parse", "HEAD"]);
    let bare = server.repo_path(name);
    work.git(&["push", "-q", bare.to_str().unwrap(), "HEAD:refs/pull/12/merge"]);
    work.git(&["reset", "-q", "--hard", "HEAD~1"]);
    work.git(&["branch", "-D", "fork"]);
    (merge, fork)
}

#[test]
fn a_pull_request_merge_ref_is_fetched_under_a_private_name() {
    let server = GitServer::start();
    server.require_auth(HEADER_VALUE);
    let work = work_repo();
    let (merge, fork) = publish_with_merge_ref(&server, "proj", &work);
    let (_dir, cache) = cache();
    let synced = sync(&cache, "k", &server, "proj").unwrap();
    let tips = synced.repo.ref_tips().unwrap();
    assert!(
        !synced.repo.commit_exists(&fork).unwrap(),
        "a sync fetches branches and tags only"
    );

    let fetched = cache
        .fetch_ref(
            "k",
            &server.url("proj"),
            Some(HEADER),
            "refs/pull/12/merge",
            TIMEOUT,
        )
        .unwrap();
    assert_eq!(fetched.local_ref, "refs/palisade/pull/12/merge");
    assert_eq!(fetched.commit, merge);
    assert!(fetched.repo.commit_exists(&fork).unwrap());
    assert_eq!(
        fetched.repo.ref_tips().unwrap(),
        tips,
        "private refs are not branch or tag tips"
    );
    assert!(
        fetched
            .repo
            .history_blobs()
            .unwrap()
            .iter()
            .all(|b| b.id != blob(b"from a fork\n")),
        "history walks leave private refs out"
    );
    let changed = fetched.repo.changed_files(&tips[0].1, &fork).unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].path, "fork.txt");
    assert!(
        server
            .seen_auth()
            .iter()
            .all(|a| a.as_deref() == Some(HEADER_VALUE))
    );
    for file in files_under(cache.root()) {
        assert_no_credential_in(&String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
    }

    // Forced: the ref follows the pull request.
    let bare = server.repo_path("proj");
    work.git(&[
        "push",
        "-q",
        "-f",
        bare.to_str().unwrap(),
        "HEAD:refs/pull/12/merge",
    ]);
    let again = cache
        .fetch_ref(
            "k",
            &server.url("proj"),
            Some(HEADER),
            "refs/pull/12/merge",
            TIMEOUT,
        )
        .unwrap();
    assert_eq!(again.commit, tips[0].1);

    // The next sync drops private refs and still works.
    let resynced = sync(&cache, "k", &server, "proj").unwrap();
    assert!(!resynced.cloned);
    assert_eq!(
        resynced
            .repo
            .resolve_commit("refs/palisade/pull/12/merge")
            .unwrap(),
        None
    );
    assert_eq!(resynced.repo.ref_tips().unwrap(), tips);
}

#[test]
fn a_missing_pull_request_ref_is_a_typed_error() {
    let server = GitServer::start();
    server.require_auth(HEADER_VALUE);
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();
    let err = cache
        .fetch_ref(
            "k",
            &server.url("proj"),
            Some(HEADER),
            "refs/pull/7/merge",
            TIMEOUT,
        )
        .unwrap_err();
    assert!(
        matches!(err, GitError::NotARepository { .. }),
        "never synced: {err:?}"
    );

    let synced = sync(&cache, "k", &server, "proj").unwrap();
    let err = cache
        .fetch_ref(
            "k",
            &server.url("proj"),
            Some(HEADER),
            "refs/pull/7/merge",
            TIMEOUT,
        )
        .unwrap_err();
    assert!(
        matches!(&err, GitError::RemoteRefNotFound { name } if name == "refs/pull/7/merge"),
        "{err:?}"
    );
    assert!(err.to_string().contains("refs/pull/7/merge"), "{err}");
    assert_no_credential_in(&format!("{err} {err:?}"));
    assert!(synced.repo.head_commit().unwrap().is_some(), "the entry is kept");

    server.require_auth("Basic rotated");
    let err = cache
        .fetch_ref(
            "k",
            &server.url("proj"),
            Some(HEADER),
            "refs/pull/7/merge",
            TIMEOUT,
        )
        .unwrap_err();
    assert!(matches!(err, GitError::RemoteAuth(_)), "{err:?}");
    assert_no_credential_in(&format!("{err} {err:?}"));
}

#[test]
fn only_pull_request_merge_refs_are_fetched() {
    let server = GitServer::start();
    server.publish("proj", &work_repo());
    let (_dir, cache) = cache();
    sync(&cache, "k", &server, "proj").unwrap();
    let requests = server.seen_auth().len();
    for bad in [
        "refs/heads/main",
        "refs/pull/1/head",
        "refs/pull//merge",
        "refs/pull/1a/merge",
        "refs/pull/-1/merge",
        "refs/pull/1/merge:refs/heads/main",
        "+refs/pull/1/merge",
        "--upload-pack=touch /tmp/x",
        "refs/pull/12345678901/merge",
        "refs/pull/1/merge\n",
    ] {
        let err = cache
            .fetch_ref("k", &server.url("proj"), None, bad, TIMEOUT)
            .unwrap_err();
        assert!(matches!(err, GitError::InvalidRefName { .. }), "{bad:?}: {err:?}");
    }
    assert_eq!(server.seen_auth().len(), requests, "git never ran");
}
