use std::path::{Path, PathBuf};
use std::process::Command;

use globset::GlobSet;
use palisade_domain::{Finding, FingerprintKey};
use palisade_scanner::{DEFAULT_MAX_FILE_SIZE, ScanOptions};
use palisade_secrets::RuleSet;
use tempfile::TempDir;

/// Fake AWS access key ids (rule examples and the CLI tests' value), split
/// so this file is not itself a finding.
pub const KEY_A: &str = concat!("AKIA", "VFTPYJUE4EEMVPOM");
pub const KEY_B: &str = concat!("AKIA", "Q3EGRJ7RWHPM4N2T");
pub const KEY_C: &str = concat!("ASIA", "A6CVD4Q7CZBL7SU4");
pub const KEY_D: &str = concat!("AKIA", "ZR7XK2M4PW6TQ3NB");

/// Rules, key and options for a scan.
pub struct Setup {
    rules: RuleSet,
    key: FingerprintKey,
    exclude: GlobSet,
}

impl Setup {
    pub fn new() -> Self {
        Self {
            rules: palisade_secrets::builtin().unwrap(),
            key: FingerprintKey::from_bytes([7; 32]),
            exclude: GlobSet::empty(),
        }
    }

    pub fn opts(&self) -> ScanOptions<'_> {
        ScanOptions {
            rules: &self.rules,
            key: &self.key,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            respect_ignore: true,
            follow_symlinks: false,
            exclude: &self.exclude,
            allowlist: &[],
            baseline: None,
            show_secrets: true,
            threads: 2,
            analyzers: palisade_scanner::Analyzers::SECRETS,
        }
    }
}

/// The secrets found, sorted.
pub fn secrets(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = findings.iter().map(|f| f.secret.clone().unwrap()).collect();
    out.sort();
    out
}

pub fn finding<'a>(findings: &'a [Finding], secret: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.secret.as_deref() == Some(secret))
        .unwrap_or_else(|| panic!("{secret} not found"))
}

/// A work tree repository in a temp dir, driven with a git isolated from user config.
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

    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.path, args)
    }

    pub fn write(&self, path: &str, content: &str) {
        let full = self.path.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    /// Commits everything; returns the commit id.
    pub fn commit(&self, author: &str) -> String {
        self.git(&["add", "-A"]);
        let out = git_command(&self.path, author)
            .args(["commit", "-q", "--allow-empty", "-m", "change"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        self.git(&["rev-parse", "HEAD"])
    }

    /// A bare clone (all branches), as the clone cache holds.
    pub fn bare_clone(&self) -> PathBuf {
        let target = self.dir.path().join("bare.git");
        if target.exists() {
            std::fs::remove_dir_all(&target).unwrap();
        }
        git_in(
            self.dir.path(),
            &[
                "clone",
                "-q",
                "--mirror",
                self.path.to_str().unwrap(),
                target.to_str().unwrap(),
            ],
        );
        target
    }
}

fn git_command(dir: &Path, author: &str) -> Command {
    let mut cmd = Command::new("git");
    let email = format!("{}@example.com", author.to_lowercase());
    cmd.current_dir(dir)
        .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", &email)
        .env("GIT_AUTHOR_DATE", "@1700000000 +0000")
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", &email)
        .env("GIT_COMMITTER_DATE", "@1700000000 +0000")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    cmd
}

pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = git_command(dir, "Tester").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
