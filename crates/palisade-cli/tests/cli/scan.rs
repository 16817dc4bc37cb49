use crate::{AWS_ID, AWS_SECRET, Env, GH_TOKEN, contains, rule_ids};

#[test]
fn finds_secrets_and_exits_1() {
    let env = Env::new();
    env.write("repo/app/config.py", &format!("GITHUB = \"{GH_TOKEN}\"\n"));
    env.write("repo/clean.txt", "nothing to see\n");
    let r = env.run(&["scan", env.path("repo").to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("github.pat.classic"), "{}", r.stdout);
    assert!(r.stdout.contains("app/config.py:1:"), "{}", r.stdout);
    assert!(
        !r.stdout.contains(GH_TOKEN) && !r.stderr.contains(GH_TOKEN),
        "secret printed"
    );
}

#[test]
fn clean_folder_exits_0() {
    let env = Env::new();
    env.write("repo/a.txt", "hello\n");
    let r = env.run(&["scan", env.path("repo").to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("No secrets found"), "{}", r.stdout);
}

#[test]
fn same_secret_in_many_files_is_one_finding_with_stable_id() {
    let env = Env::new();
    for i in 0..5 {
        env.write(&format!("repo/f{i}.txt"), &format!("token: {GH_TOKEN}\n"));
    }
    env.write("repo/other.md", &format!("see {GH_TOKEN} here\n"));
    let repo = env.path("repo");
    let (_, first) = env.scan_json(&[repo.to_str().unwrap()]);
    let findings = first["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{first:#}");
    assert_eq!(findings[0]["locations"].as_array().unwrap().len(), 6);
    assert_eq!(first["scan"]["blobs"], 2, "identical files are scanned once");
    let (_, second) = env.scan_json(&[repo.to_str().unwrap()]);
    assert_eq!(second["findings"][0]["id"], findings[0]["id"]);
    assert_eq!(second["findings"][0]["new"], false);
}

#[test]
fn secrets_never_reach_the_store_or_output_unless_asked() {
    let env = Env::new();
    env.write(
        "repo/.aws/credentials",
        &format!("[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
    );
    env.write("repo/gh.txt", &format!("{GH_TOKEN}\n"));
    let repo = env.path("repo");
    for format in ["table", "json", "sarif"] {
        let r = env.run(&["scan", "--format", format, repo.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{r:?}");
        for s in [GH_TOKEN, AWS_SECRET] {
            assert!(
                !r.stdout.contains(s) && !r.stderr.contains(s),
                "{format} leaked a secret"
            );
        }
    }
    let r = env.run(&["scan", "--show-secrets", repo.to_str().unwrap()]);
    assert!(r.stdout.contains(GH_TOKEN), "--show-secrets shows it");
    let stored = env.stored_bytes();
    assert!(!stored.is_empty());
    for s in [GH_TOKEN, AWS_SECRET, &GH_TOKEN[4..20]] {
        assert!(!contains(&stored, s), "store holds a secret in clear");
    }
}

#[test]
fn json_and_sarif_are_well_formed() {
    let env = Env::new();
    env.write("repo/x.txt", &format!("{GH_TOKEN}\n"));
    let repo = env.path("repo");
    let (code, json) = env.scan_json(&[repo.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(json["schema_version"], "1");
    assert_eq!(rule_ids(&json), vec!["github.pat.classic"]);
    assert_eq!(json["rules"][0]["id"], "github.pat.classic");
    let out = env.path("out.sarif");
    let r = env.run(&[
        "scan",
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
        repo.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "github.pat.classic");
}

#[test]
fn fail_on_threshold() {
    let env = Env::new();
    env.write("repo/x.txt", &format!("{GH_TOKEN}\n"));
    let repo = env.path("repo");
    // github.pat.classic is critical: fails at any threshold.
    assert_eq!(
        env.run(&["scan", "--fail-on", "critical", repo.to_str().unwrap()])
            .code,
        1
    );
    // Disable it: a clean scan exits 0 whatever the threshold.
    assert_eq!(
        env.run(&["scan", "--exclude-rule", "github.*", repo.to_str().unwrap()])
            .code,
        0
    );
}

#[test]
fn gitignore_is_honoured_unless_no_ignore() {
    let env = Env::new();
    env.write("repo/.gitignore", "secret.log\n");
    env.write("repo/secret.log", &format!("{GH_TOKEN}\n"));
    let repo = env.path("repo");
    assert_eq!(env.run(&["scan", "--no-store", repo.to_str().unwrap()]).code, 0);
    assert_eq!(
        env.run(&["scan", "--no-store", "--no-ignore", repo.to_str().unwrap()])
            .code,
        1
    );
}

#[test]
fn hidden_config_files_are_scanned() {
    let env = Env::new();
    env.write("repo/.env", "DATABASE_PASSWORD=Zq7vR2pLm9xW\n");
    let (code, json) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["findings"][0]["locations"][0]["path"], ".env");
}

#[test]
fn binary_and_oversize_files_are_skipped_and_counted() {
    let env = Env::new();
    let mut bin = b"\x00\x01binary".to_vec();
    bin.extend_from_slice(GH_TOKEN.as_bytes());
    std::fs::create_dir_all(env.path("repo")).unwrap();
    std::fs::write(env.path("repo/blob.bin"), bin).unwrap();
    env.write("repo/big.txt", &format!("{}{GH_TOKEN}\n", "a".repeat(4096)));
    let (code, json) = env.scan_json(&[
        "--no-store",
        "--max-file-size",
        "1K",
        env.path("repo").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["scan"]["skipped_binary"], 1);
    assert_eq!(json["scan"]["skipped_too_large"], 1);
}

#[test]
fn invalid_utf8_is_scanned() {
    let env = Env::new();
    let mut content = b"\xff\xfe\xfd garbage \xc3\x28 ".to_vec();
    content.extend_from_slice(GH_TOKEN.as_bytes());
    content.push(b'\n');
    std::fs::create_dir_all(env.path("repo")).unwrap();
    std::fs::write(env.path("repo/latin1.txt"), content).unwrap();
    let (code, json) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(rule_ids(&json), vec!["github.pat.classic"]);
}

#[test]
fn scans_are_recorded() {
    let env = Env::new();
    env.write("repo/x.txt", &format!("{GH_TOKEN}\n"));
    env.run(&["scan", env.path("repo").to_str().unwrap()]);
    let r = env.run(&["scans", "list", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let scans: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(scans[0]["status"], "completed");
    assert_eq!(scans[0]["findings"], 1);
    assert_eq!(scans[0]["files"], 1);
    assert!(scans[0]["rules_version"].as_str().unwrap().contains('-'));
}
