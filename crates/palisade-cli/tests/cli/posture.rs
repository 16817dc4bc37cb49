//! `palisade posture` as a person uses it: after discovery, list failures,
//! explain a check, exempt a scope until a date, see the audit trail, revoke.

use crate::{DEMO_PAT, Env, SimServer};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("json: {e}\n{stdout}"))
}

#[test]
fn posture_lists_exempts_scores_and_audits() {
    let sim = SimServer::start();
    let env = Env::new();
    assert_eq!(
        env.create_connector(&sim, "ado-contoso", "contoso", DEMO_PAT)
            .code,
        0
    );
    let discovered = env.run(&["discover", "ado-contoso"]);
    assert_eq!(discovered.code, 0, "{discovered:?}");
    assert!(discovered.stdout.contains("posture: "), "{discovered:?}");

    // Failures exit 1, like findings.
    let failed = env.run(&["posture", "list", "--failed"]);
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(failed.stdout.contains("ado.project.public"), "{failed:?}");
    assert!(
        failed.stdout.lines().skip(1).all(|l| l.starts_with("fail")),
        "{failed:?}"
    );

    let listed = json(
        &env.run(&[
            "posture",
            "list",
            "--check",
            "ado.project.public",
            "--format",
            "json",
        ])
        .stdout,
    );
    let public = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "fail")
        .expect("a public project in contoso")
        .clone();
    let scope = public["scope"].as_str().unwrap().to_owned();

    // Bad input: a clear error, nothing stored.
    for (args, says) in [
        (
            vec![
                "posture", "exempt", "ado.nope", "--scope", "contoso", "--reason", "x",
            ],
            "unknown posture check",
        ),
        (
            vec![
                "posture",
                "exempt",
                "ado.project.public",
                "--scope",
                "nowhere",
                "--reason",
                "x",
            ],
            "no discovered organization",
        ),
        (
            vec![
                "posture",
                "exempt",
                "ado.project.public",
                "--scope",
                "contoso/Nope",
                "--reason",
                "x",
            ],
            "no discovered project",
        ),
        (
            vec![
                "posture",
                "exempt",
                "ado.project.public",
                "--scope",
                "contoso",
                "--reason",
                " ",
            ],
            "--reason",
        ),
        (
            vec![
                "posture",
                "exempt",
                "ado.project.public",
                "--scope",
                "contoso",
                "--reason",
                "x",
                "--expires",
                "2001-01-01",
            ],
            "in the past",
        ),
        (
            vec![
                "posture",
                "exempt",
                "ado.project.public",
                "--scope",
                "contoso",
                "--reason",
                "x",
                "--expires",
                "soon",
            ],
            "not a duration",
        ),
        (
            vec![
                "posture",
                "exempt",
                "ado.project.public",
                "--resource",
                "org/project/none",
                "--reason",
                "x",
            ],
            "has no result",
        ),
        (vec!["posture", "explain", "ado.nope"], "unknown posture check"),
        (
            vec![
                "posture",
                "revoke",
                "0190a0a0-0000-7000-8000-000000000000",
                "--reason",
                "x",
            ],
            "not found",
        ),
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(says), "{args:?}: {r:?}");
    }
    assert!(
        json(
            &env.run(&["posture", "exemptions", "--all", "--format", "json"])
                .stdout
        )
        .as_array()
        .unwrap()
        .is_empty()
    );

    let exempt = env.run(&[
        "posture",
        "exempt",
        "ado.project.public",
        "--scope",
        &scope,
        "--reason",
        "public samples on purpose",
        "--expires",
        "30d",
        "--author",
        "alice",
    ]);
    assert_eq!(exempt.code, 0, "{exempt:?}");
    let id = exempt.stdout.split_whitespace().nth(1).unwrap().to_owned();

    let after = env.run(&["posture", "list", "--check", "ado.project.public"]);
    assert!(
        after.stdout.contains("exempt") && after.stdout.contains("public samples on purpose"),
        "{after:?}"
    );
    assert_eq!(after.code, 0, "the only failure is exempt: {after:?}");
    let hidden = env.run(&[
        "posture",
        "list",
        "--check",
        "ado.project.public",
        "--status",
        "fail",
        "--hide-exempt",
    ]);
    assert_eq!(
        hidden.stdout.lines().count(),
        2,
        "header and the no-results line: {hidden:?}"
    );

    // SARIF: the exempted failure is an accepted suppression.
    let sarif = json(
        &env.run(&[
            "posture",
            "list",
            "--check",
            "ado.project.public",
            "--format",
            "sarif",
        ])
        .stdout,
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["kind"] == "fail" && r["suppressions"][0]["status"] == "accepted")
    );

    // A re-evaluation counts it out of the score.
    let run = env.run(&["posture", "run", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let scores = env.run(&["posture", "score", "--scope", &scope]);
    assert!(scores.stdout.contains('%'), "{scores:?}");

    let revoked = env.run(&[
        "posture",
        "revoke",
        &id,
        "--reason",
        "samples moved out",
        "--author",
        "bob",
    ]);
    assert_eq!(revoked.code, 0, "{revoked:?}");
    let again = env.run(&["posture", "revoke", &id, "--reason", "again"]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("already revoked"), "{again:?}");

    let audit = json(
        &env.run(&["posture", "exemptions", "--audit", "--format", "json"])
            .stdout,
    );
    let trail: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_owned(),
                a["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("created".to_owned(), "alice".to_owned()),
            ("revoked".to_owned(), "bob".to_owned())
        ]
    );

    let explain = env.run(&[
        "posture",
        "explain",
        "ado.service-connection.open-to-all-pipelines",
    ]);
    assert_eq!(explain.code, 0);
    assert!(
        explain.stdout.contains("Fix:") && explain.stdout.contains("Defender"),
        "{explain:?}"
    );
    let history = env.run(&[
        "posture",
        "history",
        "ado.project.public",
        public["resource"].as_str().unwrap(),
    ]);
    assert_eq!(history.code, 0, "{history:?}");
    assert!(history.stdout.contains("fail"), "{history:?}");
    let checks = env.run(&["posture", "checks"]);
    assert!(
        checks
            .stdout
            .contains(&format!("{} checks", palisade_posture::all().len())),
        "{checks:?}"
    );
}
