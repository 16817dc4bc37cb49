//! Discovery of a generated estate against the simulator, with latency and a
//! rate-limit budget: wall time, requests, 429s received, peak RSS.
//!
//! `cargo bench -p palisade-engine --bench discovery` (defaults: 1,000
//! projects, 10 repos each, 50 ms per request). Environment knobs:
//! `BENCH_PROJECTS`, `BENCH_REPOS_PER_PROJECT`, `BENCH_LATENCY_MS`,
//! `BENCH_RATE_LIMIT` (requests per `BENCH_RATE_WINDOW_SECS`), `BENCH_CONCURRENCY`.
//! Not a timed test: it prints figures to compare across runs.
#![allow(clippy::print_stdout, clippy::unwrap_used, reason = "a benchmark report")]

use std::sync::Arc;
use std::time::Instant;

use palisade_ado_sim::{Estate, GenerateOptions, Knobs, Sim, generated_pat};
use palisade_domain::{AuthConfig, ConnectorConfig, ConnectorName, Deployment, OrgName, OrgSelection};
use palisade_engine::{ConnectorInput, DiscoverOptions, Engine, NetOptions};
use palisade_store_sqlite::SqliteStore;
use palisade_vault::{Credential, Vault};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let projects = env("BENCH_PROJECTS", 1000) as usize;
    let repos = env("BENCH_REPOS_PER_PROJECT", 10) as usize;
    let latency = env("BENCH_LATENCY_MS", 50);
    let limit = env("BENCH_RATE_LIMIT", 20_000) as u32;
    let window = env("BENCH_RATE_WINDOW_SECS", 60);
    let concurrency = env("BENCH_CONCURRENCY", 48) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = Instant::now();
        let estate = Estate::generate(&GenerateOptions {
            seed: 7,
            orgs: 1,
            projects,
            repos_per_project: repos,
            ..GenerateOptions::default()
        });
        let org = estate.orgs[0].name.clone();
        println!(
            "estate: {projects} projects, {} repos, generated in {:.2} s",
            projects * repos,
            t.elapsed().as_secs_f64()
        );
        let mut knobs = Knobs {
            latency_ms: latency,
            ..Knobs::default()
        };
        knobs.rate_limit.enabled = true;
        knobs.rate_limit.limit = limit;
        knobs.rate_limit.window_secs = window;
        let sim = palisade_ado_sim::start(Sim {
            estate,
            knobs,
            data_dir: None,
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("bench.db").to_str().unwrap())
            .await
            .unwrap();
        let engine = Engine::new(
            Arc::new(store),
            Vault::new([1; 32]),
            NetOptions {
                resolve: Vec::new(),
                max_concurrency: Some(concurrency),
            },
        );
        engine
            .create_connector(ConnectorInput {
                config: ConnectorConfig {
                    name: ConnectorName::parse("bench").unwrap(),
                    organization: OrgName::parse(&org).unwrap(),
                    deployment: Deployment::Cloud {
                        api_url: sim.base_url.clone(),
                        profile_url: sim.base_url.clone(),
                        login_url: sim.base_url.clone(),
                    },
                    auth: AuthConfig::Pat,
                    orgs: OrgSelection::Chosen(Vec::new()),
                },
                credential: Some(Credential::pat(generated_pat(7))),
                skip_test: false,
            })
            .await
            .unwrap();
        sim.state.reset_stats();
        let t = Instant::now();
        let report = engine
            .discover(
                "bench",
                &DiscoverOptions {
                    project_concurrency: Some(concurrency),
                    progress: None,
                },
            )
            .await
            .unwrap();
        let wall = t.elapsed().as_secs_f64();
        let stats = sim.state.stats();
        println!(
            "discovery: {wall:.1} s wall, status {}, {} requests (client), {} requests (simulator), \
             429s received {}, delayed by the simulator {}, peak RSS {:.0} MiB",
            report.run.status.as_str(),
            report.run.requests,
            stats.total_requests,
            stats.throttled_429,
            stats.delays_applied,
            peak_rss_mib()
        );
        println!("counts: {:?}", report.run.counts);
        println!(
            "rate: latency {latency} ms, budget {limit} requests / {window} s, concurrency {concurrency}; \
             {:.0} projects per hour (Defender for Cloud quotes about 100)",
            projects as f64 / wall * 3600.0
        );
        if !report.run.errors.is_empty() {
            println!(
                "errors: {:?}",
                &report.run.errors[..report.run.errors.len().min(5)]
            );
        }
        sim.shutdown().await;
    });
}
