//! Managed scans through the binary: `repos`, `worker`, `jobs`, `scans logs`,
//! and a worker killed with SIGKILL in the middle of a batch.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use palisade_ado_sim::{Estate, GenerateOptions, RepoContent, Sim};

use crate::{DEMO_PAT, Env, SimServer};

/// A simulator serving a generated estate of real repositories.
struct GenSim {
    base_url: String,
    pat: String,
    sim: Option<palisade_ado_sim::RunningSim>,
    rt: tokio::runtime::Runtime,
}

impl GenSim {
    fn start(repos: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let opts = GenerateOptions {
            seed: 11,
            projects: 1,
            repos_per_project: repos,
            repo_content: RepoContent::Realistic,
            empty_fraction: 0.0,
            secret_fraction: 1.0,
            large_fraction: 0.5,
            long_history_fraction: 0.5,
            ..GenerateOptions::default()
        };
        let sim = rt
            .block_on(palisade_ado_sim::start(Sim::new(Estate::generate(&opts))))
            .unwrap();
        Self {
            base_url: sim.base_url.clone(),
            pat: palisade_ado_sim::generated_pat(opts.seed),
            sim: Some(sim),
            rt,
        }
    }

    fn connect(&self, env: &Env) {
        let r = env.run_stdin(
            &[
                "connector",
                "create",
                "ado-gen",
                "--org",
                "gen-org-0",
                "--pat-stdin",
                "--api-url",
                &self.base_url,
                "--profile-url",
                &self.base_url,
                "--login-url",
                &self.base_url,
            ],
            &format!("{}\n", self.pat),
        );
        assert_eq!(r.code, 0, "{r:?}");
        let r = env.run(&["discover", "ado-gen", "--no-progress"]);
        assert_eq!(r.code, 0, "{r:?}");
        let r = env.run(&["repos", "enable", "--all", "--no-pr"]);
        assert_eq!(r.code, 0, "{r:?}");
        assert!(r.stdout.contains("full scans on"), "{r:?}");
    }
}

impl Drop for GenSim {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("json: {e}\n{stdout}"))
}

fn worker(env: &Env, extra: &[&str]) -> Child {
    let mut args = vec!["worker", "--slots", "1", "--lease-seconds", "5"];
    args.extend_from_slice(extra);
    env.cmd()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// (rule, unkeyed secret hash) -> number of distinct locations. Finding ids
/// are keyed per installation, so two stores are compared by hash.
fn findings(env: &Env) -> BTreeMap<String, usize> {
    let r = env.run(&["findings", "list", "--format", "json", "--limit", "100000"]);
    assert_eq!(r.code, 0, "{r:?}");
    json(&r.stdout)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let locs = f["locations"].as_array().unwrap();
            let mut keys: Vec<String> = locs
                .iter()
                .map(|l| {
                    format!(
                        "{}|{}|{}|{}",
                        l["target"], l["path"], l["line"], l["commit"]["id"]
                    )
                })
                .collect();
            let n = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), n, "duplicate locations in {f}");
            (format!("{}|{}", f["rule_id"], f["secret_hash"]), n)
        })
        .collect()
}

#[test]
fn a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing() {
    let sim = GenSim::start(6);

    // Control: the same estate scanned without interruption.
    let control = Env::new();
    sim.connect(&control);
    let mut w = worker(&control, &["--until-idle"]);
    assert!(w.wait().unwrap().success());
    let expected = findings(&control);
    assert!(!expected.is_empty(), "the generated repos hold planted secrets");

    let env = Env::new();
    sim.connect(&env);
    let mut victim = worker(&env, &[]);
    // Wait until it is in the middle of a scan, then SIGKILL it.
    let deadline = Instant::now() + Duration::from_mins(2);
    loop {
        let r = env.run(&["scans", "list", "--format", "json", "--limit", "50"]);
        let running = json(&r.stdout)
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["status"] == "running");
        if running {
            break;
        }
        assert!(Instant::now() < deadline, "no scan started");
        assert!(victim.try_wait().unwrap().is_none(), "the worker ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    victim.kill().unwrap();
    victim.wait().unwrap();

    // Another worker takes over once the dead one's lease expires.
    let mut rescuer = worker(&env, &["--until-idle"]);
    assert!(rescuer.wait().unwrap().success());

    let jobs = json(&env.run(&["jobs", "list", "--format", "json"]).stdout);
    let jobs = jobs.as_array().unwrap();
    assert!(jobs.iter().all(|j| j["state"] == "succeeded"), "{jobs:#?}");
    assert!(
        jobs.iter().any(|j| j["attempts"].as_u64().unwrap() >= 2),
        "the killed job ran again: {jobs:#?}"
    );
    let scans = json(
        &env.run(&["scans", "list", "--format", "json", "--limit", "100"])
            .stdout,
    );
    let statuses: Vec<&str> = scans
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "interrupted").count(),
        1,
        "{statuses:?}"
    );
    assert!(!statuses.contains(&"running"), "{statuses:?}");
    assert_eq!(
        findings(&env),
        expected,
        "same findings and locations as an uninterrupted run"
    );
}

#[test]
fn repos_commands_scan_log_and_stats() {
    let sim = SimServer::start();
    let env = Env::new();
    assert_eq!(
        env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT)
            .code,
        0
    );
    assert_eq!(env.run(&["discover", "--no-progress"]).code, 0);

    let listed = env.run(&["repos", "list", "--format", "json"]);
    assert_eq!(listed.code, 0, "{listed:?}");
    let repos = json(&listed.stdout);
    // Hidden wiki repos are not offered; disabled ones are archived.
    assert!(
        repos
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "offered" || r["state"] == "archived")
    );

    let r = env.run(&["repos", "enable", "Web/nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no repository"), "{r:?}");
    let r = env.run(&["repos", "enable"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--all"), "{r:?}");

    let r = env.run(&["repos", "enable", "--project", "Infra", "--no-pr"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("terraform"), "{r:?}");
    let r = env.run(&["repos", "scan", "--slots", "1"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("1 of 1 enabled repositories scanned successfully"),
        "{r:?}"
    );

    let list = env.run(&["repos", "list"]);
    assert!(list.stdout.contains("managed-scan"), "{list:?}");
    assert!(list.stdout.contains("completed"), "{list:?}");

    let scans = json(
        &env.run(&["scans", "list", "--repo", "Infra/terraform", "--format", "json"])
            .stdout,
    );
    let first = &scans[0];
    assert_eq!(first["context"]["trigger"], "enable");
    // The terraform history holds secrets committed then removed.
    assert!(first["findings"].as_u64().unwrap() >= 2, "{first}");
    let logs = env.run(&["scans", "logs", first["id"].as_str().unwrap()]);
    assert_eq!(logs.code, 0, "{logs:?}");
    assert!(logs.stdout.contains("reading the whole history"), "{logs:?}");
    assert!(!logs.stdout.contains(DEMO_PAT));

    // A second scan reads nothing new.
    let r = env.run(&["repos", "scan", "--slots", "1"]);
    assert_eq!(r.code, 0, "{r:?}");
    let scans = json(
        &env.run(&["scans", "list", "--repo", "Infra/terraform", "--format", "json"])
            .stdout,
    );
    assert_eq!(scans[0]["blobs"], 0, "{}", scans[0]);
    assert_eq!(scans[0]["context"]["incremental"], true);

    let stats = env.run(&["repos", "stats", "--format", "json"]);
    let stats = json(&stats.stdout);
    assert_eq!(stats["repos_enabled"], 1);
    assert_eq!(stats["scans_succeeded"], 2);

    let settings = env.run(&["repos", "settings", "--batch-size", "0"]);
    assert_eq!(settings.code, 2);
    assert!(settings.stderr.contains("batch size"), "{settings:?}");
    let settings = env.run(&[
        "repos",
        "settings",
        "--webhook-url",
        "https://user:pw@palisade.example.com",
    ]);
    assert_eq!(settings.code, 2, "{settings:?}");
    let settings = env.run(&[
        "repos",
        "settings",
        "--interval-hours",
        "12",
        "--comments-off",
        "Web",
    ]);
    assert_eq!(settings.code, 0, "{settings:?}");
    assert!(settings.stdout.contains("12 hours"), "{settings:?}");
    assert!(
        settings.stdout.contains("no PR comments in:            Web"),
        "{settings:?}"
    );

    // Disable keeps findings; revoke keeps them too.
    let r = env.run(&["repos", "disable", "Infra/terraform"]);
    assert_eq!(r.code, 0, "{r:?}");
    let before = env.run(&["findings", "list", "--format", "json"]);
    let r = env.run(&["connector", "revoke", "ado-contoso", "--yes"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("findings kept"), "{r:?}");
    let after = env.run(&["findings", "list", "--format", "json"]);
    assert_eq!(json(&before.stdout), json(&after.stdout));
}
