//! The seeded generator: determinism, size, and lazily materialized git content.

use palisade_ado_sim::{Estate, GenerateOptions, generated_pat};

use crate::support::{get_pat, sim_with};

#[test]
fn same_seed_same_estate() {
    let opts = GenerateOptions {
        seed: 99,
        orgs: 2,
        projects: 30,
        repos_per_project: 4,
        ..GenerateOptions::default()
    };
    let a = serde_json::to_string(&Estate::generate(&opts)).unwrap();
    let b = serde_json::to_string(&Estate::generate(&opts)).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&Estate::generate(&GenerateOptions { seed: 100, ..opts })).unwrap();
    assert_ne!(a, c);
}

#[test]
fn ten_thousand_repos() {
    let opts = GenerateOptions {
        seed: 1,
        orgs: 1,
        projects: 1000,
        repos_per_project: 10,
        ..GenerateOptions::default()
    };
    let e = Estate::generate(&opts);
    assert_eq!(e.project_count(), 1000);
    let visible: usize = e.orgs[0]
        .projects
        .iter()
        .map(|p| p.repos.iter().filter(|r| !r.hidden).count())
        .sum();
    assert_eq!(visible, 10_000);
    let secrets = e.orgs[0]
        .projects
        .iter()
        .flat_map(|p| &p.repos)
        .flat_map(|r| &r.branches)
        .flat_map(|b| &b.commits)
        .filter(|c| c.files.values().any(|f| f.contains("AccountKey=")))
        .count();
    assert!(secrets > 500 && secrets < 1500, "{secrets}");
    let open_endpoints = e.orgs[0]
        .projects
        .iter()
        .flat_map(|p| &p.pipeline_permissions)
        .filter(|p| p.all_pipelines == Some(true))
        .count();
    assert!(open_endpoints > 0);
    assert!(e.orgs[0].projects.iter().any(|p| !p.policies.is_empty()));
    assert!(e.orgs[0].projects.iter().any(|p| {
        p.variable_groups
            .iter()
            .any(|g| g.variables.values().any(|v| v.is_secret))
    }));
}

#[tokio::test]
async fn generated_repos_materialize_on_demand() {
    let opts = GenerateOptions {
        seed: 5,
        orgs: 1,
        projects: 3,
        repos_per_project: 3,
        empty_fraction: 0.0,
        ..GenerateOptions::default()
    };
    let sim = sim_with(Estate::generate(&opts)).await;
    let pat = generated_pat(5);
    let dir = sim.state.data_dir();
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing on disk before first use"
    );
    let a = get_pat(
        &sim,
        "/gen-org-0/project-0001/_apis/git/repositories/repo-001/commits?api-version=7.1",
        &pat,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["count"], 1);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}
