//! End-to-end tests of the `palisade` binary: real files, real git, a real
//! SQLite store in a temp dir.
//!
//! TODO(test): PostgreSQL through the CLI is covered by the store story tests,
//! not here.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on an unexpected value")]

mod ado;
mod analyzers;
mod bad_input;
mod connectors;
mod discover;
mod docs;
mod history;
mod managed;
mod posture;
mod rules;
mod scan;
mod suppression;
mod triage;
mod users;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use tempfile::TempDir;

/// A fake GitHub token (the engine's own test value), split so this file is
/// not itself a finding.
pub const GH_TOKEN: &str = concat!("ghp_", "R4nd0mL00k1ngT0k3nV4lu3AbCdEf0123456");
/// A fake AWS key pair.
pub const AWS_ID: &str = concat!("AKIA", "Q3EGRJ7RWHPM4N2T");
pub const AWS_SECRET: &str = concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzq8Rt3aLvN");

/// A temp workspace with its own key file and store.
#[derive(Debug)]
pub struct Env {
    pub dir: TempDir,
}

impl Default for Env {
    fn default() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
}

impl Env {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
        p
    }

    pub fn db(&self) -> PathBuf {
        self.path("state/palisade.db")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("palisade").expect("binary built");
        c.env("PALISADE_KEY_FILE", self.path("state/key"))
            .env("PALISADE_DATABASE_URL", self.db())
            .env("PALISADE_CACHE_DIR", self.path("state/clones"))
            .env_remove("PALISADE_LOG")
            .env_remove("PALISADE_ADO_PAT")
            .env_remove("PALISADE_CLIENT_SECRET")
            .env_remove("PALISADE_MASTER_KEY")
            .env("NO_COLOR", "1");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd().args(args).output().expect("palisade runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs with `input` on stdin (a pipe, so not a terminal).
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write as _;
        let mut child = self
            .cmd()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("palisade runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("palisade ends");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Creates a PAT connector for `org` of the simulator, PAT on stdin.
    pub fn create_connector(&self, sim: &SimServer, name: &str, org: &str, pat: &str) -> Run {
        let mut args = vec!["connector", "create", name, "--org", org, "--pat-stdin"];
        let urls = sim.cloud_args();
        args.extend(urls.iter().map(String::as_str));
        self.run_stdin(&args, &format!("{pat}\n"))
    }

    pub fn scan_json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let mut all = vec!["scan", "--format", "json"];
        all.extend_from_slice(args);
        let r = self.run(&all);
        let v = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("json: {e}\n{}\n{}", r.stdout, r.stderr));
        (r.code, v)
    }

    /// Every byte palisade persisted: the store and its WAL.
    pub fn stored_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.path("state")).expect("state dir") {
            let p = entry.expect("entry").path();
            if p.file_name().is_some_and(|n| n != "key") {
                all.extend(std::fs::read(&p).unwrap_or_default());
            }
        }
        all
    }
}

pub const DEMO_PAT: &str = "palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W";
pub const EXPIRED_PAT: &str = "palisade-expired-pat-Qm4Tz8Lr2Xc6Vb1N";
pub const NOCODE_PAT: &str = "palisade-nocode-pat-Ur6Ye2Io8Pa4Sd1F";
pub const TENANT: &str = "72f988bf-0000-4000-8000-00000000c0de";

/// The contoso simulator on a loopback port, served by a runtime the test owns.
pub struct SimServer {
    pub base_url: String,
    sim: Option<palisade_ado_sim::RunningSim>,
    rt: tokio::runtime::Runtime,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl SimServer {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = rt
            .block_on(palisade_ado_sim::start(palisade_ado_sim::Sim::new(
                palisade_ado_sim::contoso().unwrap(),
            )))
            .unwrap();
        Self {
            base_url: sim.base_url.clone(),
            sim: Some(sim),
            rt,
        }
    }

    /// `--api-url/--profile-url/--login-url` pointing at the simulator.
    pub fn cloud_args(&self) -> Vec<String> {
        ["--api-url", "--profile-url", "--login-url"]
            .iter()
            .flat_map(|f| [(*f).to_owned(), self.base_url.clone()])
            .collect()
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule id").to_owned())
        .collect()
}

pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Mallory Dev")
        .env("GIT_AUTHOR_EMAIL", "mallory@example.com")
        .env("GIT_AUTHOR_DATE", "2024-03-01T12:00:00Z")
        .env("GIT_COMMITTER_NAME", "Mallory Dev")
        .env("GIT_COMMITTER_EMAIL", "mallory@example.com")
        .env("GIT_COMMITTER_DATE", "2024-03-01T12:00:00Z")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}
