use std::collections::BTreeSet;
use std::sync::OnceLock;

use jsonschema::Validator;
use palisade_report::{ScanReport, sarif};
use serde_json::Value;

use crate::common::{empty, render_string, rich, rich_with_secrets};

/// The official OASIS schema, vendored (see tests/data/README.md).
const OFFICIAL_SCHEMA: &str = include_str!("../data/sarif-schema-2.1.0.json");

/// The official schema with its one known defect repaired in memory (the
/// file stays byte-exact): in `region`, the `anyOf` that requires one of
/// `startLine`, `charOffset`, `byteOffset` sits inside `properties`, where it
/// declares a property named "anyOf" whose schema is an array, which no JSON
/// Schema validator accepts. Moved up one level it means what it was meant to.
fn official_schema() -> Value {
    let mut schema: Value = serde_json::from_str(OFFICIAL_SCHEMA).expect("the vendored schema is JSON");
    let region = &mut schema["definitions"]["region"];
    let misplaced = region["properties"]
        .as_object_mut()
        .and_then(|props| props.remove("anyOf"))
        .expect("the vendored schema has the known misplaced region anyOf");
    region["anyOf"] = misplaced;
    schema
}

fn official() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema = official_schema();
        jsonschema::options()
            .offline()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the official SARIF schema compiles offline")
    })
}

fn rendered(report: &ScanReport) -> Value {
    let text = render_string(|out| sarif::render(report, out));
    assert!(text.ends_with("}\n"));
    serde_json::from_str(&text).expect("SARIF output is JSON")
}

fn assert_valid(doc: &Value) {
    let errors: Vec<String> = official()
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn vendored_schema_is_the_complete_official_file() {
    assert!(
        OFFICIAL_SCHEMA.len() > 100_000,
        "truncated: {} bytes",
        OFFICIAL_SCHEMA.len()
    );
    let schema: Value = serde_json::from_str(OFFICIAL_SCHEMA).expect("JSON");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    assert!(
        schema["$id"]
            .as_str()
            .is_some_and(|id| id.contains("oasis-tcs/sarif-spec"))
    );
    assert_eq!(
        schema["definitions"].as_object().map(serde_json::Map::len),
        Some(52)
    );
}

#[test]
fn output_validates_against_the_official_schema() {
    for report in [rich(), rich_with_secrets(), empty()] {
        assert_valid(&rendered(&report));
    }
    // The validator does reject broken logs.
    let mut bad = rendered(&rich());
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!official().is_valid(&bad));
    let mut bad = rendered(&rich());
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    assert!(!official().is_valid(&bad));
}

#[test]
fn log_header_and_tool() {
    let doc = rendered(&rich());
    assert_eq!(doc["$schema"], sarif::SARIF_SCHEMA);
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "palisade");
    assert_eq!(driver["version"], "0.1.0");
    assert!(
        driver["informationUri"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    assert_eq!(
        runs[0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///home/dev/src/acme%20app/"
    );
}

#[test]
fn every_result_points_at_its_rule() {
    let doc = rendered(&rich());
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: BTreeSet<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    for r in results {
        let index = usize::try_from(r["ruleIndex"].as_u64().expect("ruleIndex")).expect("small");
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex of {}", r["ruleId"]);
    }
    // The rule missing from the report's list got a descriptor of its own.
    assert_eq!(rules.last().expect("rules")["id"], "internal.debug-token");
}

#[test]
fn rule_descriptors_carry_github_metadata() {
    let doc = rendered(&rich());
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .clone();
    let pat = rules
        .iter()
        .find(|r| r["id"] == "github.pat")
        .expect("github.pat");
    assert_eq!(pat["name"], "GitHub personal access token");
    assert_eq!(pat["shortDescription"]["text"], "GitHub personal access token");
    assert!(
        pat["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Finds GitHub"))
    );
    assert!(
        pat["help"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Revoke"))
    );
    assert!(
        pat["help"]["markdown"]
            .as_str()
            .is_some_and(|t| t.contains("<https://docs.github.com"))
    );
    assert_eq!(pat["helpUri"], "https://docs.github.com/en/authentication");
    assert_eq!(
        pat["properties"]["tags"],
        serde_json::json!(["security", "secret"])
    );
    assert_eq!(pat["properties"]["security-severity"], "9.5");
    assert_eq!(pat["properties"]["precision"], "high");
    // helpUri is the first reference that is a web URL.
    let pw = rules
        .iter()
        .find(|r| r["id"] == "generic.password-assignment")
        .expect("rule");
    assert_eq!(pw["helpUri"], "https://cwe.mitre.org/data/definitions/798.html");
    assert_eq!(pw["properties"]["precision"], "low");
    assert_eq!(pw["properties"]["security-severity"], "5.5");
    let slack = rules.iter().find(|r| r["id"] == "slack.webhook").expect("rule");
    assert!(slack.get("helpUri").is_none());
}

#[test]
fn results_carry_levels_locations_fingerprints_and_state() {
    let doc = rendered(&rich());
    let results = doc["runs"][0]["results"].as_array().expect("results").clone();
    let levels: Vec<&str> = results.iter().filter_map(|r| r["level"].as_str()).collect();
    assert_eq!(levels, ["error", "error", "warning", "note", "note"]);

    let pat = &results[0];
    assert_eq!(
        pat["message"]["text"],
        "GitHub personal access token: ghp_******** (seen in 7 places)"
    );
    assert_eq!(pat["partialFingerprints"]["palisade/v1"], "01".repeat(16));
    assert_eq!(pat["properties"]["state"], "open");
    assert_eq!(pat["properties"]["new"], true);
    assert!(
        pat["properties"]["secretHash"]
            .as_str()
            .is_some_and(|h| h.starts_with("sha256:"))
    );
    let locations = pat["locations"].as_array().expect("locations");
    assert_eq!(locations.len(), 7, "all locations, not only the first five");
    let first = &locations[0]["physicalLocation"];
    assert_eq!(first["artifactLocation"]["uri"], "src/config.rs");
    assert_eq!(first["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(first["region"]["startLine"], 12);
    assert_eq!(first["region"]["startColumn"], 9);
    let history = &locations[1];
    assert_eq!(history["properties"]["commit"]["id"], "a".repeat(40));
    assert_eq!(history["properties"]["commit"]["authorName"], "Jane Doe");
    assert_eq!(
        history["message"]["text"],
        "commit aaaaaaaa by Jane Doe on 2024-01-02"
    );
    assert!(pat.get("suppressions").is_none());

    let odd = results[2]["locations"].as_array().expect("locations");
    let uris: Vec<&str> = odd
        .iter()
        .filter_map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert_eq!(uris, ["docs/r%C3%A9union%20notes.md", "c%3Aodd/100%25.txt"]);
}

#[test]
fn dismissed_findings_are_suppressed() {
    let doc = rendered(&rich());
    let results = doc["runs"][0]["results"].as_array().expect("results").clone();
    let suppressed: Vec<&str> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(suppressed, ["aws.access-key-id", "generic.password-assignment"]);
    let s = &results[1]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    assert!(
        s["justification"]
            .as_str()
            .is_some_and(|j| j.contains("false positive"))
    );
    assert_eq!(results[3]["properties"]["state"], "fixed");
}

#[test]
fn scan_errors_become_notifications() {
    let doc = rendered(&rich());
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(invocation["startTimeUtc"], "2023-11-14T22:13:20.000Z");
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(
        notes[0]["message"]["text"],
        "secrets/locked.pem: permission denied"
    );

    let mut failed = empty();
    failed.scan.status = palisade_domain::ScanStatus::Failed;
    let doc = rendered(&failed);
    assert_eq!(doc["runs"][0]["invocations"][0]["executionSuccessful"], false);
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn uris() {
    assert_eq!(sarif::file_uri_dir("/srv/repo"), "file:///srv/repo/");
    assert_eq!(sarif::file_uri_dir("/srv/repo/"), "file:///srv/repo/");
    assert_eq!(
        sarif::file_uri_dir(r"C:\work\my repo"),
        "file:///C:/work/my%20repo/"
    );
    assert_eq!(sarif::file_uri_dir(r"\\?\C:\work"), "file:///C:/work/");
    assert_eq!(sarif::relative_uri("a b/#c?.txt"), "a%20b/%23c%3F.txt");
}

/// Posture results in SARIF validate against the official schema, every
/// status maps to a result kind, and exempted failures are suppressed.
#[test]
fn posture_log_is_valid_sarif() {
    use palisade_domain::PostureStatus;
    use palisade_report::posture_sarif::{PostureLogResult, PostureRule, to_sarif};

    let rules = vec![PostureRule {
        id: "ado.repo.fewer-than-two-reviewers".into(),
        title: "Repositories should require two reviewers".into(),
        severity: palisade_domain::Severity::High,
        rationale: "One person can merge to the default branch.".into(),
        remediation: vec![
            "Add a minimum reviewers policy".into(),
            "Set the count to 2".into(),
        ],
        references: vec!["https://learn.microsoft.com/azure/devops/repos/git/branch-policies".into()],
    }];
    let result = |status, exemption: Option<&str>| PostureLogResult {
        check: "ado.repo.fewer-than-two-reviewers".into(),
        severity: palisade_domain::Severity::High,
        resource_key: "org/repository/r1".into(),
        resource_name: "web <script>".into(),
        resource_kind: "repository".into(),
        status,
        reason: "no minimum reviewers policy".into(),
        exemption: exemption.map(str::to_owned),
    };
    let results = vec![
        result(PostureStatus::Fail, None),
        result(PostureStatus::Fail, Some("sandbox")),
        result(PostureStatus::Pass, None),
        result(PostureStatus::NotApplicable, None),
        result(PostureStatus::Unknown, None),
    ];
    let doc = to_sarif(&rules, &results);
    assert_valid(&doc);
    let kinds: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["fail", "fail", "pass", "notApplicable", "review"]);
    assert_eq!(doc["runs"][0]["results"][0]["level"], "error");
    assert_eq!(doc["runs"][0]["results"][2]["level"], "none");
    assert_eq!(
        doc["runs"][0]["results"][1]["suppressions"][0]["status"],
        "accepted"
    );
}
