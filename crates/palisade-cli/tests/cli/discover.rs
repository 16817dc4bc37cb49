//! `palisade discover` and `palisade inventory` against the simulator.

use crate::{DEMO_PAT, EXPIRED_PAT, Env, SimServer};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("json: {e}\n{stdout}"))
}

#[test]
fn discover_counts_the_contoso_estate_then_reports_no_changes() {
    let sim = SimServer::start();
    let env = Env::new();
    assert_eq!(
        env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT)
            .code,
        0
    );

    let first = env.run(&["discover", "ado-contoso", "--format", "json"]);
    assert_eq!(first.code, 0, "{first:?}");
    let v = json(&first.stdout);
    let run = &v[0];
    assert_eq!(run["connector"], "ado-contoso");
    let counts = &run["report"]["run"]["counts"];
    // contoso.yaml: Web (web-frontend, web-api, empty-repo, legacy-disabled,
    // Web.wiki), Infra (terraform) and Payments (payments-api, payments-web);
    // projects Web, Infra, Payments, Archive.
    assert_eq!(counts["repository"], 8, "{counts}");
    assert_eq!(counts["project"], 4, "{counts}");
    assert_eq!(counts["pipeline"], 6, "{counts}");
    assert_eq!(counts["organization"], 1, "{counts}");
    assert_eq!(counts["agent-pool"], 3, "{counts}");
    assert_eq!(counts["service-connection"], 6, "{counts}");
    assert_eq!(counts["variable-group"], 5, "{counts}");
    assert_eq!(run["report"]["run"]["status"], "finished");
    assert_eq!(run["report"]["resumed"], false);
    assert!(run["report"]["run"]["requests"].as_u64().unwrap() > 0);
    assert_eq!(
        run["changes"]["added"],
        counts
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>()
    );

    let second = env.run(&["discover"]);
    assert_eq!(second.code, 0, "{second:?}");
    assert!(second.stdout.contains("ado-contoso: finished"), "{second:?}");
    assert!(second.stdout.contains("changes: none"), "{second:?}");
    assert!(second.stdout.contains("repository"), "{second:?}");
    assert!(second.stdout.contains("throttled (429): 0"), "{second:?}");

    let inv = env.run(&["inventory", "--kind", "repository"]);
    assert_eq!(inv.code, 0, "{inv:?}");
    for repo in [
        "web-frontend",
        "web-api",
        "empty-repo",
        "legacy-disabled",
        "Web.wiki",
        "terraform",
        "payments-api",
        "payments-web",
    ] {
        assert!(inv.stdout.contains(repo), "{repo}: {inv:?}");
    }
    assert_eq!(inv.stdout.lines().count(), 9, "header + 8: {inv:?}");
    assert!(
        inv.stdout
            .lines()
            .any(|l| l.contains("terraform") && l.contains("Infra")),
        "{inv:?}"
    );

    let inv_json = json(
        &env.run(&[
            "inventory",
            "--connector",
            "ado-contoso",
            "--kind",
            "repository,project",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(
        inv_json.as_array().unwrap().len(),
        12,
        "8 repositories and 4 projects"
    );

    let show = env.run(&["connector", "show", "ado-contoso"]);
    assert!(show.stdout.contains("sync health"), "{show:?}");
    assert_eq!(show.stdout.matches("finished").count(), 2, "{show:?}");
    let list = env.run(&["connector", "list"]);
    assert!(list.stdout.contains("finished"), "{list:?}");

    let bad_kind = env.run(&["inventory", "--kind", "repos"]);
    assert_eq!(bad_kind.code, 2, "{bad_kind:?}");
    assert!(bad_kind.stderr.contains("unknown resource kind"), "{bad_kind:?}");
}

#[test]
fn discover_all_and_a_failed_run() {
    let sim = SimServer::start();
    let env = Env::new();
    let none = env.run(&["discover"]);
    assert_eq!(none.code, 2, "{none:?}");
    assert!(none.stderr.contains("connector create"), "{none:?}");
    assert_eq!(
        env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT)
            .code,
        0
    );
    // A connector saved untested with an expired PAT: its run fails, the other succeeds.
    let mut args = vec![
        "connector",
        "create",
        "ado-gone",
        "--org",
        "fabrikam",
        "--pat-stdin",
        "--skip-test",
    ];
    let server = format!("{}/tfs", sim.base_url);
    args.extend(["--server-url", server.as_str()]);
    let r = env.run_stdin(&args, &format!("{EXPIRED_PAT}\n"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("not tested"), "{r:?}");

    let ambiguous = env.run(&["discover"]);
    assert_eq!(ambiguous.code, 2, "{ambiguous:?}");
    assert!(
        ambiguous.stderr.contains("--connector NAME") || ambiguous.stderr.contains("connectors exist"),
        "{ambiguous:?}"
    );

    let all = env.run(&[
        "discover",
        "--all",
        "--project-concurrency",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(all.code, 2, "{all:?}");
    let v = json(&all.stdout);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    let ok = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["connector"] == "ado-contoso")
        .unwrap();
    assert_eq!(ok["report"]["run"]["status"], "finished");
    let gone = env.run(&["connector", "show", "ado-gone", "--format", "json"]);
    let gone = json(&gone.stdout);
    assert_eq!(gone["runs"][0]["status"], "failed", "{gone}");
    assert!(all.stderr.contains("discovery of ado-gone failed"), "{all:?}");
}

#[test]
fn every_takes_a_duration() {
    let env = Env::new();
    let r = env.run(&["discover", "--every", "soon"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("is not a duration"), "{r:?}");
}
