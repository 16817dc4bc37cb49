use crate::Env;

#[test]
fn list_has_one_hundred_rules() {
    let env = Env::new();
    let r = env.run(&["rules", "list", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["rules"].as_array().unwrap().len() >= 100);
    let r = env.run(&["rules", "list"]);
    assert!(r.stdout.contains("azure.devops.pat"));
}

#[test]
fn explain_shows_remediation() {
    let env = Env::new();
    let r = env.run(&["rules", "explain", "azure.devops.pat"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Remediation"));
    let r = env.run(&["rules", "explain", "azure.nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean"), "{}", r.stderr);
}

const CUSTOM: &str = r#"
rules:
  - id: acme.api-key
    name: ACME API key
    severity: high
    confidence: high
    keywords: [acme_]
    pattern: '\b(?P<secret>acme_[a-z0-9]{24})\b'
    description: An ACME API key; it grants full access to the ACME account it belongs to.
    remediation: Revoke it in the ACME console and issue a new one.
    references: [https://acme.invalid/docs/keys]
    examples: ["ACME_KEY=acme_q8w7e6r5t4y3u2i1o0p9a8s7"]
    negative_examples: ["ACME_KEY=acme_short"]
"#;

#[test]
fn check_accepts_a_good_custom_file_and_scan_uses_it() {
    let env = Env::new();
    let file = env.write("acme.yml", CUSTOM);
    let r = env.run(&["rules", "check", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    env.write("repo/x.env", "KEY=acme_q8w7e6r5t4y3u2i1o0p9a8z7\n");
    let (code, json) = env.scan_json(&[
        "--no-store",
        "--rules",
        file.to_str().unwrap(),
        "--rule",
        "acme.*",
        env.path("repo").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["findings"][0]["rule_id"], "acme.api-key");
}

#[test]
fn check_reports_each_problem_on_one_line() {
    let env = Env::new();
    let failing_example = CUSTOM.replace("acme_short", "acme_q8w7e6r5t4y3u2i1o0p9a8s7");
    let cases = [
        ("broken.yml", "rules: [ {id: "),
        ("slow.yml", &*CUSTOM.replace("[a-z0-9]{24}", "\\p{L}{24}")),
        ("neg.yml", &*failing_example),
        ("dup.yml", &*CUSTOM.replace("acme.api-key", "azure.devops.pat")),
    ];
    for (name, text) in cases {
        let file = env.write(name, text);
        let r = env.run(&["rules", "check", file.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{name}: {r:?}");
        assert!(
            r.stderr.lines().next().unwrap().starts_with("error: "),
            "{name}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
    }
}
