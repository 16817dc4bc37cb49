use crate::{Env, GH_TOKEN};

fn first_id(env: &Env) -> String {
    let r = env.run(&["findings", "list", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v[0]["id"].as_str().expect("a finding").to_owned()
}

#[test]
fn triage_survives_rescans() {
    let env = Env::new();
    env.write("repo/x.txt", &format!("{GH_TOKEN}\n"));
    let repo = env.path("repo");
    assert_eq!(env.run(&["scan", repo.to_str().unwrap()]).code, 1);
    let id = first_id(&env);
    let r = env.run(&[
        "findings",
        "triage",
        &id,
        "--state",
        "false-positive",
        "--comment",
        "test fixture",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("false-positive"));

    // Rescan: same finding id, still false-positive, so the scan passes.
    let (code, json) = env.scan_json(&[repo.to_str().unwrap()]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["findings"][0]["id"], id.as_str());
    assert_eq!(json["findings"][0]["state"], "false-positive");

    let r = env.run(&["findings", "list", "--state", "open"]);
    assert!(r.stdout.contains("No findings"), "{}", r.stdout);
    let r = env.run(&["findings", "show", &id]);
    assert!(r.stdout.contains("test fixture"), "{}", r.stdout);
}

#[test]
fn removed_secret_becomes_fixed_and_reopens() {
    let env = Env::new();
    let file = env.write("repo/x.txt", &format!("{GH_TOKEN}\n"));
    let repo = env.path("repo");
    env.run(&["scan", repo.to_str().unwrap()]);
    let id = first_id(&env);
    std::fs::write(&file, "clean now\n").unwrap();
    assert_eq!(env.run(&["scan", repo.to_str().unwrap()]).code, 0);
    let r = env.run(&["findings", "list", "--state", "fixed", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["id"], id.as_str(), "{v:#}");
    std::fs::write(&file, format!("{GH_TOKEN}\n")).unwrap();
    let (code, json) = env.scan_json(&[repo.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"][0]["state"], "open");
}

#[test]
fn triage_rejects_bad_ids_and_states() {
    let env = Env::new();
    let r = env.run(&["findings", "triage", "nothex", "--state", "open"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid finding id"), "{}", r.stderr);
    let r = env.run(&["findings", "triage", &"0".repeat(32), "--state", "maybe"]);
    assert_eq!(r.code, 2);
    let r = env.run(&["findings", "triage", &"0".repeat(32), "--state", "open"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not found"), "{}", r.stderr);
}
