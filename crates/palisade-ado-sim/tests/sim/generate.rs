//! The seeded generator: determinism, size, and lazily materialized git content.

use palisade_ado_sim::{Estate, GenerateOptions, RepoContent, RepoRecipe, generated_pat};

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

fn realistic(seed: u64, projects: usize, repos: usize) -> GenerateOptions {
    GenerateOptions {
        seed,
        projects,
        repos_per_project: repos,
        repo_content: RepoContent::Realistic,
        ..GenerateOptions::default()
    }
}

#[test]
fn realistic_estates_are_deterministic_and_varied() {
    let opts = realistic(3, 50, 10);
    let e = Estate::generate(&opts);
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        serde_json::to_string(&Estate::generate(&opts)).unwrap()
    );
    let recipes: Vec<&RepoRecipe> = e.orgs[0]
        .projects
        .iter()
        .flat_map(|p| &p.repos)
        .filter(|r| !r.hidden)
        .map(|r| r.generated.as_ref().unwrap())
        .collect();
    assert_eq!(recipes.len(), 500);
    let empty = recipes.iter().filter(|r| r.commits == 0).count();
    let long = recipes.iter().filter(|r| r.commits >= 200).count();
    let large = recipes.iter().filter(|r| r.large_bytes >= 3 << 20).count();
    assert!(empty > 0 && empty < 40, "{empty}");
    assert!(long > 40 && long < 120, "{long}");
    assert!((3..30).contains(&large), "{large}");
    let planted = e.planted_secrets();
    assert!(planted.len() > 50, "{}", planted.len());
    assert!(planted.iter().any(|(_, _, _, s)| s.removed.is_some()));
    assert!(planted.iter().any(|(_, _, _, s)| s.removed.is_none()));
    let rules: std::collections::BTreeSet<&str> =
        planted.iter().map(|(_, _, _, s)| s.rule.as_str()).collect();
    assert!(rules.len() >= 7, "{rules:?}");
    // Empty repos have no default branch, the others `main`.
    let repo = e.orgs[0]
        .projects
        .iter()
        .flat_map(|p| &p.repos)
        .find(|r| r.generated.as_ref().is_some_and(|g| g.commits == 0))
        .unwrap();
    assert!(repo.default_branch.is_none());
}

/// Every blob of a bare repository (one `cat-file --batch`).
fn blobs(dir: &std::path::Path) -> Vec<Vec<u8>> {
    use std::io::Write as _;
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("--git-dir")
            .arg(dir)
            .args(args)
            .output()
            .unwrap()
    };
    let list = git(&[
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(objectname) %(objecttype)",
    ]);
    let mut ids = String::new();
    for l in String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| l.ends_with(" blob"))
    {
        ids.push_str(&l[..40]);
        ids.push('\n');
    }
    let mut child = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(ids.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap().stdout;
    let mut result = Vec::new();
    let mut at = 0;
    while at < out.len() {
        let nl = at + out[at..].iter().position(|b| *b == b'\n').unwrap();
        let header = String::from_utf8_lossy(&out[at..nl]).to_string();
        let size: usize = header.rsplit(' ').next().unwrap().parse().unwrap();
        result.push(out[nl + 1..nl + 1 + size].to_vec());
        at = nl + 1 + size + 1;
    }
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_repos_materialize_and_hold_exactly_the_planted_secrets() {
    let estate = Estate::from_yaml_str(
        r"
users: [{name: admin, email: admin@gen.example}]
pats: [{token: gen-test-pat-0123456789, user: admin, scopes: [app_token]}]
orgs:
  - name: gen
    projects:
      - name: p
        repos:
          - {name: history, generated: {seed: 11, commits: 300, secrets: 14, feature_branches: 2}}
          - {name: big, generated: {seed: 12, commits: 8, large_bytes: 4194304}}
          - {name: empty, generated: {seed: 13, commits: 0}}
",
    )
    .unwrap();
    let recipe = estate.orgs[0].projects[0].repos[0].generated.clone().unwrap();
    let sim = sim_with(estate.clone()).await;
    let pat = "gen-test-pat-0123456789";
    let t = std::time::Instant::now();
    let a = get_pat(
        &sim,
        "/gen/p/_apis/git/repositories/history/commits?searchCriteria.$top=1000&api-version=7.1",
        pat,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["count"], 300);
    assert!(t.elapsed().as_secs() < 30, "materialized in {:?}", t.elapsed());
    let refs = get_pat(
        &sim,
        "/gen/p/_apis/git/repositories/history/refs?filter=heads/&api-version=7.1",
        pat,
    )
    .await;
    assert_eq!(refs.json()["count"], 3, "main and two feature branches");

    let id = estate.orgs[0].projects[0].repos[0].guid();
    let dir = sim.state.data_dir().join(format!("{id}.git"));
    let rules = palisade_secrets::builtin().unwrap();
    let planted = recipe.planted_secrets();
    let aws = planted.iter().filter(|p| p.rule == "aws.access-key-id").count();
    assert_eq!(planted.len(), 14 + aws, "two AWS values per AWS file");
    let mut found: Vec<(String, String)> = Vec::new();
    for blob in blobs(&dir) {
        let mut out = Vec::new();
        rules.scan("file", &blob, &mut out);
        for m in out {
            let value = String::from_utf8_lossy(&blob[m.secret_start..m.secret_end]).to_string();
            found.push((rules.rule(m.rule).id.as_str().to_string(), value));
        }
    }
    for p in &planted {
        assert!(
            found.iter().any(|(rule, v)| *v == p.value && *rule == p.rule),
            "{p:?} not found by its rule; found {found:#?}"
        );
    }
    for (rule, v) in &found {
        assert!(
            planted.iter().any(|p| p.value == *v),
            "unplanted finding {rule}: {v}"
        );
    }
    // Removed secrets are gone from the tip.
    for p in planted.iter().filter(|p| p.removed.is_some()) {
        let show = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(&dir)
            .args(["show", &format!("HEAD:{}", p.path)])
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&show.stdout).contains(&p.value), "{p:?}");
    }

    let big = get_pat(
        &sim,
        "/gen/p/_apis/git/repositories/big/commits?api-version=7.1",
        pat,
    )
    .await;
    assert_eq!(big.json()["count"], 8);
    let big_id = estate.orgs[0].projects[0].repos[1].guid();
    let total: usize = blobs(&sim.state.data_dir().join(format!("{big_id}.git")))
        .iter()
        .map(Vec::len)
        .sum();
    assert!(total > 4 << 20, "{total}");
    let empty = get_pat(&sim, "/gen/p/_apis/git/repositories/empty?api-version=7.1", pat)
        .await
        .json();
    assert!(empty.get("defaultBranch").is_none());
    assert_eq!(empty["size"], 0);
}

#[test]
fn the_contoso_fixture_carries_a_generated_repository() {
    let e = palisade_ado_sim::contoso().unwrap();
    let planted = e.planted_secrets();
    assert!(!planted.is_empty());
    assert!(
        planted
            .iter()
            .all(|(org, _, repo, _)| org == "fabrikam" && repo == "payments-legacy")
    );
}
