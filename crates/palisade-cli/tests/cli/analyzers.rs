//! Dependencies, IaC and code findings through `palisade scan`, and the
//! advisories they are matched against.

use serde_json::Value;

use crate::{AWS_ID, Env};

const OSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../palisade-advisories/tests/fixtures/osv"
);

const LOCK: &str = r#"{
  "lockfileVersion": 3,
  "packages": {
    "": { "name": "app", "dependencies": { "lodash": "^4.17.0" } },
    "node_modules/lodash": { "version": "4.17.20" }
  }
}
"#;

const INSECURE_TF: &str = r#"resource "azurerm_storage_account" "logs" {
  name                       = "logs"
  https_traffic_only_enabled = false
}
"#;

const SECURE_TF: &str = r#"resource "azurerm_storage_account" "logs" {
  name                       = "logs"
  https_traffic_only_enabled = true
}
"#;

const APP_PY: &str = r#"import subprocess
from flask import request

def handler():
    cmd = request.args.get("cmd")
    full = "ls " + cmd
    subprocess.call(full, shell=True)
"#;

fn project(env: &Env) -> String {
    env.write("repo/package-lock.json", LOCK);
    env.write("repo/infra/main.tf", INSECURE_TF);
    env.write("repo/app.py", APP_PY);
    env.path("repo").to_str().expect("utf-8 path").to_owned()
}

fn by_rule<'a>(report: &'a Value, rule: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == rule)
}

#[test]
fn advisories_import_is_incremental_and_reports_bad_records() {
    let env = Env::new();
    let first = env.run(&["advisories", "import", OSV, "--format", "json"]);
    // The fixtures hold malformed records on purpose: reported, skipped, exit 2.
    assert_eq!(first.code, 2, "{first:?}");
    let counts: Value = serde_json::from_str(&first.stdout).expect("json");
    assert!(counts["added"].as_u64().expect("added") >= 10, "{counts}");
    assert!(counts["errors"].as_u64().expect("errors") >= 1, "{counts}");
    assert!(first.stderr.contains("malformed"), "{}", first.stderr);
    let again = env.run(&["advisories", "import", OSV, "--format", "json"]);
    let again: Value = serde_json::from_str(&again.stdout).expect("json");
    assert_eq!(again["added"], 0);
    assert_eq!(again["unchanged"], counts["added"]);
    let status = env.run(&["advisories", "status"]);
    assert!(status.stdout.contains("npm"), "{status:?}");
}

#[test]
fn one_scan_finds_dependencies_iac_and_code() {
    let env = Env::new();
    env.run(&["advisories", "import", OSV]);
    let repo = project(&env);
    let (code, report) = env.scan_json(&[&repo]);
    assert_eq!(code, 1, "{report:#}");

    let dep = by_rule(&report, "dependency.ghsa-35jh-r3h4-6jhm").expect("lodash advisory");
    assert_eq!(dep["kind"], "dependency");
    assert_eq!(dep["preview"], "lodash@4.17.20");
    let d = &dep["details"];
    assert_eq!(
        (d["package"].as_str(), d["version"].as_str()),
        (Some("lodash"), Some("4.17.20"))
    );
    assert_eq!(d["advisory"], "GHSA-35jh-r3h4-6jhm");
    assert!(
        d["aliases"]
            .as_array()
            .expect("aliases")
            .iter()
            .any(|a| a == "CVE-2021-23337"),
        "{d}"
    );
    assert_eq!(d["fixed"], "4.17.21");
    assert_eq!(dep["locations"][0]["path"], "package-lock.json");
    assert_eq!(dep["locations"][0]["line"], 5);

    let iac = by_rule(&report, "iac.azurerm.storage-account-https-only").expect("https-only");
    assert_eq!(iac["kind"], "iac");
    assert_eq!(iac["locations"][0]["path"], "infra/main.tf");
    assert_eq!(iac["locations"][0]["line"], 3);
    assert!(
        iac["details"]["checkov"]
            .as_array()
            .expect("checkov")
            .iter()
            .any(|c| c == "CKV_AZURE_3"),
        "{iac}"
    );

    let sast = by_rule(&report, "code.python.command-injection").expect("command injection");
    assert_eq!(sast["kind"], "code");
    assert_eq!(sast["locations"][0]["line"], 7);
    // Every rule with a finding is documented in the report.
    let documented: Vec<&str> = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    for f in report["findings"].as_array().expect("findings") {
        assert!(documented.contains(&f["rule_id"].as_str().expect("id")), "{f}");
    }
    // SARIF renders every kind.
    let sarif = env.run(&["scan", "--no-store", "--format", "sarif", &repo]);
    assert!(
        sarif.stdout.contains("iac.azurerm.storage-account-https-only"),
        "{sarif:?}"
    );
}

#[test]
fn analyzers_select_kinds_and_fixes_close_only_their_kind() {
    let env = Env::new();
    env.run(&["advisories", "import", OSV]);
    let repo = project(&env);
    let (_, secrets_only) = env.scan_json(&["--analyzers", "secret", &repo]);
    assert_eq!(secrets_only["findings"].as_array().expect("findings").len(), 0);

    let (_, before) = env.scan_json(&[&repo]);
    assert!(by_rule(&before, "iac.azurerm.storage-account-https-only").is_some());
    env.write("repo/infra/main.tf", SECURE_TF);
    let (_, after) = env.scan_json(&["--analyzers", "iac", &repo]);
    assert!(
        by_rule(&after, "iac.azurerm.storage-account-https-only").is_none(),
        "{after:#}"
    );

    let fixed = env.run(&[
        "findings", "list", "--kind", "iac", "--state", "fixed", "--format", "json",
    ]);
    assert!(
        fixed.stdout.contains("iac.azurerm.storage-account-https-only"),
        "{fixed:?}"
    );
    // The IaC-only scan did not close the dependency or code findings.
    let open = env.run(&[
        "findings",
        "list",
        "--kind",
        "dependency,code",
        "--state",
        "open",
        "--format",
        "json",
    ]);
    assert!(open.stdout.contains("dependency.ghsa-35jh-r3h4-6jhm"), "{open:?}");
    assert!(open.stdout.contains("code.python.command-injection"), "{open:?}");
}

#[test]
fn dependency_scan_without_advisories_warns_and_goes_on() {
    let env = Env::new();
    let repo = project(&env);
    let r = env.run(&["scan", "--analyzers", "dependency", "--format", "json", &repo]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("palisade advisories import"), "{}", r.stderr);
    let with_export = env.run(&[
        "scan",
        "--no-store",
        "--analyzers",
        "dependency",
        "--advisories",
        OSV,
        &repo,
    ]);
    assert_eq!(with_export.code, 1, "{with_export:?}");
    assert!(
        with_export.stdout.contains("lodash@4.17.20"),
        "{}",
        with_export.stdout
    );
}

#[test]
fn broken_iac_and_manifests_fail_alone() {
    let env = Env::new();
    let repo = project(&env);
    env.write(
        "repo/broken/main.tf",
        "resource \"azurerm_storage_account\" {{{\n",
    );
    env.write(
        "repo/broken/package-lock.json",
        "{\"lockfileVersion\": 3, \"packages\": [",
    );
    env.write(
        "repo/broken/k8s.yaml",
        "apiVersion: v1\nkind: Pod\na: &a [*a, *a]\n",
    );
    let (code, report) = env.scan_json(&["--analyzers", "iac,dependency,code", &repo]);
    assert_eq!(code, 1, "the other findings still count: {report:#}");
    let errors: Vec<&str> = report["scan"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["subject"].as_str())
        .collect();
    for broken in ["broken/main.tf", "broken/package-lock.json", "broken/k8s.yaml"] {
        assert!(errors.contains(&broken), "{broken} not reported: {errors:?}");
    }
    assert!(by_rule(&report, "iac.azurerm.storage-account-https-only").is_some());
}

const CUSTOM_CODE_RULE: &str = r"id: custom.python.pickle-loads
name: pickle.loads on untrusted bytes
language: python
severity: high
confidence: medium
cwe: [502]
description: Unpickling runs code chosen by whoever wrote the bytes.
remediation: Use JSON, or sign the bytes before unpickling.
references:
  - https://docs.python.org/3/library/pickle.html
message: pickle.loads of data
rule:
  pattern: pickle.loads($DATA)
examples:
  - 'obj = pickle.loads(request.data)'
negative_examples:
  - 'obj = json.loads(request.data)'
";

#[test]
fn custom_code_rules_are_checked_and_used() {
    let env = Env::new();
    let good = env.write("rules/pickle.yml", CUSTOM_CODE_RULE);
    let r = env.run(&["rules", "check", good.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("ok: 1 code rules"), "{}", r.stdout);

    // A negative example that matches is a problem naming file and rule.
    let bad = env.write(
        "rules/bad.yml",
        &CUSTOM_CODE_RULE.replace("'obj = json.loads(request.data)'", "'x = pickle.loads(blob)'"),
    );
    let r = env.run(&["rules", "check", bad.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("custom.python.pickle-loads"), "{}", r.stderr);

    env.write(
        "repo/load.py",
        "import pickle\n\ndef load(blob):\n    return pickle.loads(blob)\n",
    );
    let repo = env.path("repo");
    let (_, report) = env.scan_json(&[
        "--analyzers",
        "code",
        "--code-rules",
        good.to_str().expect("utf-8"),
        repo.to_str().expect("utf-8"),
    ]);
    let hit = by_rule(&report, "custom.python.pickle-loads").expect("custom rule ran");
    assert_eq!(hit["locations"][0]["line"], 4);
}

#[test]
fn sarif_import_dedups_and_keeps_triage() {
    let env = Env::new();
    let repo = project(&env);
    let sarif = serde_json::json!({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "Semgrep OSS", "semanticVersion": "1.100.0",
        "rules": [{"id": "python.lang.security.dangerous-subprocess-use", "properties": {"tags": ["CWE-78"]}}]}},
    "results": [
        {"ruleId": "python.lang.security.dangerous-subprocess-use", "level": "error",
         "message": {"text": "Detected subprocess call with user input"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"}, "region": {"startLine": 7}}}],
         "fingerprints": {"matchBasedId/v1": "f00d"}},
        {"ruleId": "generic.secrets.aws", "level": "error",
         "message": {"text": format!("AWS key {AWS_ID} committed")},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"}, "region": {"startLine": 1}}}]},
        {"ruleId": "python.lang.security.dangerous-subprocess-use", "message": {"text": "gone"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "deleted.py"}}}]}
    ]}]});
    let file = env.write("semgrep.sarif", &sarif.to_string());
    let args = [
        "import",
        "sarif",
        file.to_str().expect("utf-8"),
        "--repo",
        &repo,
        "--format",
        "json",
    ];
    let first = env.run(&args);
    assert_eq!(first.code, 2, "one result names a missing file: {first:?}");
    assert!(first.stderr.contains("deleted.py"), "{}", first.stderr);
    let first: Value = serde_json::from_str(&first.stdout).expect("json");
    assert_eq!(
        (first["findings"].as_u64(), first["new"].as_u64()),
        (Some(2), Some(2))
    );
    // A secret quoted by the other tool is redacted before it is stored.
    let quoted = env.run(&["findings", "list", "--format", "json"]);
    assert!(!quoted.stdout.contains(AWS_ID), "{}", quoted.stdout);
    assert!(quoted.stdout.contains("AWS key AK"), "{}", quoted.stdout);

    let list = env.run(&["findings", "list", "--kind", "code", "--format", "json"]);
    let findings: Value = serde_json::from_str(&list.stdout).expect("json");
    let id = findings
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["rule_id"] == "sarif.semgrep-oss.python-lang-security-dangerous-subprocess-use")
        .expect("imported finding")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let triage = env.run(&[
        "findings",
        "triage",
        &id,
        "--state",
        "accepted-risk",
        "--comment",
        "sandboxed",
    ]);
    assert_eq!(triage.code, 0, "{triage:?}");

    let again: Value = serde_json::from_str(&env.run(&args).stdout).expect("json");
    assert_eq!(again["new"], 0, "a re-import updates the same finding");
    let shown = env.run(&["findings", "show", &id, "--format", "json"]);
    assert!(shown.stdout.contains("accepted-risk"), "{}", shown.stdout);
}

#[test]
fn rules_list_and_explain_cover_iac_and_code() {
    let env = Env::new();
    let iac = env.run(&["rules", "list", "--kind", "iac", "--format", "json"]);
    assert_eq!(iac.code, 0, "{iac:?}");
    let iac: Value = serde_json::from_str(&iac.stdout).expect("json");
    let rules = iac["rules"].as_array().expect("rules");
    assert!(rules.len() >= 60, "{}", rules.len());
    let https = rules
        .iter()
        .find(|r| r["id"] == "iac.azurerm.storage-account-https-only")
        .expect("listed");
    assert_eq!(https["checkov"][0], "CKV_AZURE_3");
    let code = env.run(&["rules", "list", "--kind", "code"]);
    assert!(code.stdout.contains("code.java.sql-injection"), "{}", code.stdout);
    let explain = env.run(&[
        "rules",
        "explain",
        "iac.github-actions.pull-request-target-checkout-head",
    ]);
    assert_eq!(explain.code, 0, "{explain:?}");
    assert!(explain.stdout.contains("Remediation"), "{}", explain.stdout);
    let deps = env.run(&["rules", "list", "--kind", "dependency"]);
    assert_eq!(deps.code, 2, "{deps:?}");
    assert!(deps.stderr.contains("advisories"), "{}", deps.stderr);
}
