//! `palisade ado ...` against the simulator.

use crate::{DEMO_PAT, Env, SimServer};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("json: {e}\n{stdout}"))
}

fn setup() -> (SimServer, Env) {
    let sim = SimServer::start();
    let env = Env::new();
    let r = env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT);
    assert_eq!(r.code, 0, "{r:?}");
    (sim, env)
}

#[test]
fn repos_and_commits() {
    let (_sim, env) = setup();
    let r = env.run(&["ado", "repos", "--connector", "ado-contoso"]);
    assert_eq!(r.code, 0, "{r:?}");
    for name in [
        "web-frontend",
        "web-api",
        "terraform",
        "legacy-disabled (disabled)",
    ] {
        assert!(r.stdout.contains(name), "{name}: {r:?}");
    }
    // --connector may be omitted when exactly one exists.
    let v = json(
        &env.run(&["ado", "repos", "--project", "Infra", "--format", "json"])
            .stdout,
    );
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["name"], "terraform");

    let c = env.run(&[
        "ado",
        "commits",
        "--repo",
        "https://dev.azure.com/contoso/Web/_git/web-frontend",
    ]);
    assert_eq!(c.code, 0, "{c:?}");
    assert!(c.stdout.contains("Add deployment config"), "{c:?}");
    assert!(c.stdout.contains("Initial commit"), "{c:?}");
    let c = json(
        &env.run(&[
            "ado",
            "commits",
            "--repo",
            "Web/web-frontend",
            "--branch",
            "feature/login",
            "--top",
            "1",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(c.as_array().unwrap().len(), 1, "{c}");
    assert_eq!(c[0]["comment"], "Login page");
    // Other URL forms name the same repository.
    let c = env.run(&[
        "ado",
        "commits",
        "--repo",
        "git@ssh.dev.azure.com:v3/contoso/Web/web-frontend",
    ]);
    assert_eq!(c.code, 0, "{c:?}");
    let bad = env.run(&["ado", "commits", "--repo", "https://github.com/contoso/web"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("Accepted URL formats"), "{bad:?}");
    let bad = env.run(&["ado", "commits", "--repo", "web-frontend"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("PROJECT/REPO"), "{bad:?}");
}

#[test]
fn pull_request_needs_an_existing_source_branch() {
    let (_sim, env) = setup();
    let url = "https://dev.azure.com/contoso/Web/_git/web-api";
    let missing = env.run(&[
        "ado",
        "pr",
        "create",
        "--repo",
        url,
        "--source",
        "feature/nope",
        "--target",
        "main",
        "--title",
        "Nope",
    ]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("source branch 'feature/nope' does not exist"),
        "{missing:?}"
    );
    let made = env.run(&[
        "ado",
        "pr",
        "create",
        "--connector",
        "ado-contoso",
        "--repo",
        url,
        "--source",
        "release/1.0",
        "--target",
        "main",
        "--title",
        "Release 1.0",
        "--description",
        "Ship it",
    ]);
    assert_eq!(made.code, 0, "{made:?}");
    assert!(made.stdout.starts_with("Created pull request "), "{made:?}");
    assert!(
        made.stdout.contains("/contoso/Web/_git/web-api/pullrequest/"),
        "{made:?}"
    );
}

#[test]
fn work_items_and_wiki() {
    let (_sim, env) = setup();
    let q = env.run(&[
        "ado",
        "workitems",
        "query",
        "--project",
        "Web",
        "SELECT [System.Id] FROM WorkItems WHERE [System.State] = 'Active'",
    ]);
    assert_eq!(q.code, 0, "{q:?}");
    assert!(q.stdout.contains("Fix login bug"), "{q:?}");
    assert!(!q.stdout.contains("Add dark mode"), "New, not Active: {q:?}");
    let g = json(
        &env.run(&["ado", "workitems", "get", "1", "2", "--format", "json"])
            .stdout,
    );
    assert_eq!(g.as_array().unwrap().len(), 2);
    assert_eq!(g[1]["fields"]["System.Title"], "Add dark mode");

    let w = env.run(&[
        "ado",
        "wiki",
        "get",
        "https://dev.azure.com/contoso/Web/_wiki/wikis/Web.wiki?pagePath=/Runbooks/Deploy",
    ]);
    assert_eq!(w.code, 0, "{w:?}");
    assert_eq!(w.stdout, "Deploy with the prod pipeline.\n");
    let w = env.run(&[
        "ado",
        "wiki",
        "get",
        "--project",
        "Web",
        "--wiki",
        "Web.wiki",
        "--path",
        "/Home",
    ]);
    assert_eq!(w.code, 0, "{w:?}");
    assert!(w.stdout.contains("Welcome to the Web project."), "{w:?}");
    let w = env.run(&[
        "ado",
        "wiki",
        "get",
        "https://dev.azure.com/contoso/Web/_wiki/wikis/Web.wiki",
    ]);
    assert_eq!(w.code, 2, "{w:?}");
    assert!(w.stderr.contains("--path"), "{w:?}");
}

#[test]
fn ado_without_connectors_says_how_to_create_one() {
    let env = Env::new();
    let r = env.run(&["ado", "repos"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("palisade connector create"), "{r:?}");
}
