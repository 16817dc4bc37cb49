use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_domain::BlobId;
use palisade_git::{BlobContent, Repo};
use tempfile::TempDir;

/// A repository in a temp dir, driven with a git isolated from user config.
pub struct TestRepo {
    dir: TempDir,
    pub path: PathBuf,
}

impl TestRepo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        std::fs::create_dir(&path).unwrap();
        let repo = Self { dir, path };
        repo.git(&["init", "-q"]);
        repo
    }

    pub fn bare_clone(&self) -> PathBuf {
        let target = self.dir.path().join("bare.git");
        git_in(
            self.dir.path(),
            &[
                OsStr::new("clone"),
                OsStr::new("-q"),
                OsStr::new("--bare"),
                self.path.as_os_str(),
                target.as_os_str(),
            ],
        );
        target
    }

    pub fn shallow_clone(&self) -> PathBuf {
        let target = self.dir.path().join("shallow");
        let url = format!("file://{}", self.path.display());
        git_in(
            self.dir.path(),
            &[
                OsStr::new("clone"),
                OsStr::new("-q"),
                OsStr::new("--depth=1"),
                OsStr::new(&url),
                target.as_os_str(),
            ],
        );
        target
    }

    pub fn open(&self) -> Repo {
        Repo::open(&self.path).unwrap()
    }

    /// Runs git in the repository and returns its trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        git_in(&self.path, &args)
    }

    pub fn write(&self, path: impl AsRef<Path>, content: &[u8]) {
        let full = self.path.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path.join(path)).unwrap();
    }

    /// Commits everything as `author` at `time` (unix seconds); returns the commit id.
    pub fn commit(&self, author: &str, time: i64) -> String {
        self.git(&["add", "-A"]);
        let status = git_command(&self.path, author, time)
            .args(["commit", "-q", "--allow-empty", "-m", "change"])
            .status()
            .unwrap();
        assert!(status.success());
        self.git(&["rev-parse", "HEAD"])
    }

    /// Path of the loose object file of `id`.
    pub fn loose_object(&self, id: &BlobId) -> PathBuf {
        let hex = id.to_hex();
        self.path.join(".git/objects").join(&hex[..2]).join(&hex[2..])
    }
}

fn git_command(dir: &Path, author: &str, time: i64) -> Command {
    let mut cmd = Command::new("git");
    let date = format!("@{time} +0000");
    let email = format!("{}@example.com", author.to_lowercase());
    cmd.current_dir(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", &email)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", &email)
        .env("GIT_COMMITTER_DATE", &date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    cmd
}

pub fn git_in(dir: &Path, args: &[&OsStr]) -> String {
    let out = git_command(dir, "Tester", 1_600_000_000)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

pub fn blob(content: &[u8]) -> BlobId {
    BlobId::compute(content)
}

/// Reads `ids` and returns the results in call order.
pub fn read_all(repo: &Repo, ids: &[BlobId], max_size: u64) -> Vec<(BlobId, BlobContent)> {
    let mut out = Vec::new();
    repo.read_blobs(ids, max_size, |id, content| out.push((id, content)))
        .unwrap();
    out
}

pub fn content_of(results: &[(BlobId, BlobContent)], id: BlobId) -> &BlobContent {
    let mut found = results.iter().filter(|(i, _)| *i == id);
    let (_, content) = found.next().unwrap_or_else(|| panic!("{id} not reported"));
    assert!(found.next().is_none(), "{id} reported twice");
    content
}
