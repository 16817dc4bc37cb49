//! Other tools' SARIF as findings: kinds, severities, identities, bad input.

use palisade_domain::{BlobId, FindingDetails, FindingKind, FingerprintKey, Severity};
use palisade_report::sarif_import::{SarifImportError, import_sarif};
use serde_json::json;

fn key() -> FingerprintKey {
    FingerprintKey::from_bytes([7; 32])
}

fn present(path: &str) -> Option<BlobId> {
    (!path.contains("missing")).then(|| BlobId::compute(path.as_bytes()))
}

fn codeql() -> serde_json::Value {
    json!({
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
      "version": "2.1.0",
      "runs": [{
        "tool": {"driver": {"name": "CodeQL", "semanticVersion": "2.19.0", "rules": [{
          "id": "py/sql-injection",
          "shortDescription": {"text": "SQL query built from user-controlled sources"},
          "defaultConfiguration": {"level": "error"},
          "properties": {"security-severity": "8.8", "tags": ["security", "external/cwe/cwe-089"]}
        }]}},
        "results": [
          {"ruleId": "py/sql-injection", "ruleIndex": 0, "message": {"text": "This query depends on a user-provided value."},
           "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app/db.py", "uriBaseId": "%SRCROOT%"},
             "region": {"startLine": 12, "startColumn": 5}}}],
           "partialFingerprints": {"primaryLocationLineHash": "abc123:1"}},
          {"ruleId": "py/sql-injection", "message": {"text": "Same flaw, other file."},
           "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///missing/x.py"}}}]},
          {"message": {"text": "no rule"}, "locations": []}
        ],
        "futureField": {"from": "a newer schema"}
      }]
    })
}

#[test]
fn codeql_results_become_code_findings() {
    let bytes = serde_json::to_vec(&codeql()).expect("json");
    let out = import_sarif(&bytes, &key(), None, &present).expect("imports");
    assert_eq!(out.tools, ["CodeQL 2.19.0"]);
    assert_eq!(out.results, 3);
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.errors.len(), 2, "{:?}", out.errors);
    assert!(
        out.errors
            .iter()
            .any(|e| e.message.contains("not found in the checkout"))
    );
    assert!(out.errors.iter().any(|e| e.message.contains("names no rule")));
    let f = &out.findings[0];
    assert_eq!(f.kind, FindingKind::Code);
    assert_eq!(f.rule_id.as_str(), "sarif.codeql.py-sql-injection");
    assert_eq!(f.severity, Severity::High, "security-severity 8.8");
    assert_eq!(
        (
            f.locations[0].path.as_str(),
            f.locations[0].line,
            f.locations[0].column
        ),
        ("app/db.py", 12, 5)
    );
    let Some(FindingDetails::Rule(d)) = &f.details else {
        panic!("rule details")
    };
    assert_eq!(d.cwe, [89]);
    assert_eq!(d.tool.as_deref(), Some("CodeQL"));

    // The tool's fingerprint is the identity: a moved line is the same finding.
    let mut moved = codeql();
    moved["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = json!(40);
    let again =
        import_sarif(&serde_json::to_vec(&moved).expect("json"), &key(), None, &present).expect("imports");
    assert_eq!(again.findings[0].id, f.id);
}

#[test]
fn checkov_results_are_iac_with_their_check_id() {
    let log = json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "checkov", "rules": [{"id": "CKV_AZURE_3", "name": "Ensure that 'enable_https_traffic_only' is enabled"}]}},
        "results": [{"ruleId": "CKV_AZURE_3", "level": "error", "message": {"text": "Ensure that 'enable_https_traffic_only' is enabled"},
          "locations": [{"physicalLocation": {"artifactLocation": {"uri": "infra/main.tf"}, "region": {"startLine": 1}}}]}]
    }]});
    let out =
        import_sarif(&serde_json::to_vec(&log).expect("json"), &key(), None, &present).expect("imports");
    let f = &out.findings[0];
    assert_eq!(f.kind, FindingKind::Iac);
    assert_eq!(f.rule_id.as_str(), "sarif.checkov.ckv_azure_3");
    let Some(FindingDetails::Rule(d)) = &f.details else {
        panic!("rule details")
    };
    assert_eq!(d.checkov, ["CKV_AZURE_3"]);
    // --kind overrides the guess.
    let forced = import_sarif(
        &serde_json::to_vec(&log).expect("json"),
        &key(),
        Some(FindingKind::Code),
        &present,
    )
    .expect("imports");
    assert_eq!(forced.findings[0].kind, FindingKind::Code);
}

#[test]
fn bad_logs_are_clear_errors() {
    let cases: [(&[u8], &str); 3] = [
        (b"not json", "not valid JSON"),
        (b"{\"version\": \"2.1.0\"}", "no `runs` array"),
        (b"[]", "no `runs` array"),
    ];
    for (bytes, needle) in cases {
        let e = import_sarif(bytes, &key(), None, &present).expect_err("refused");
        assert!(e.to_string().contains(needle), "{e}");
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(matches!(
        import_sarif(deep.as_bytes(), &key(), None, &present),
        Err(SarifImportError::Json(_))
    ));
    // Paths that leave the checkout, and odd shapes, are per-result errors.
    let log = json!({"runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"ruleId": "r", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "../etc/passwd"}}}]},
        {"ruleId": "r", "message": "not an object", "locations": "nope"},
        {"ruleId": "!!!", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}}}]}
    ]}, {"results": "nope"}]});
    let out =
        import_sarif(&serde_json::to_vec(&log).expect("json"), &key(), None, &present).expect("imports");
    assert_eq!(out.findings.len(), 0);
    assert_eq!(out.errors.len(), 3, "{:?}", out.errors);
}
