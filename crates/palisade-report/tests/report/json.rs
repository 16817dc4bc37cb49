use std::path::PathBuf;

use palisade_report::{SCHEMA_VERSION, ScanReport, json};
use serde_json::Value;

use crate::common::{empty, render_string, rich, rich_with_secrets};

fn committed_schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(json::SCHEMA_PATH)
}

fn rendered(report: &ScanReport) -> String {
    render_string(|out| json::render(report, out))
}

/// The committed schema is generated from the Rust types. Regenerate it with
/// `PALISADE_UPDATE_SCHEMAS=1 cargo test -p palisade-report --test report`.
#[test]
fn committed_schema_is_fresh() {
    let path = committed_schema_path();
    let generated = json::schema_document();
    if std::env::var_os("PALISADE_UPDATE_SCHEMAS").is_some_and(|v| v == "1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create docs/schema");
        }
        std::fs::write(&path, &generated).expect("write the schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let first_difference = committed
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()))
        + 1;
    assert!(
        committed == generated,
        "{} is stale: it differs from json::schema() from line {first_difference}.\n\
         Regenerate it with:\n    PALISADE_UPDATE_SCHEMAS=1 cargo test -p palisade-report --test report\n\
         then review and commit the diff (bump SCHEMA_VERSION and the file name if the change is incompatible).",
        json::SCHEMA_PATH
    );
}

#[test]
fn schema_is_identified() {
    let schema = json::schema();
    assert_eq!(schema["$id"], json::SCHEMA_ID);
    assert!(json::SCHEMA_ID.starts_with("https://"), "{}", json::SCHEMA_ID);
    assert!(
        schema["title"]
            .as_str()
            .is_some_and(|t| t.contains("scan report"))
    );
    assert!(schema["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(schema["properties"]["schema_version"]["const"], SCHEMA_VERSION);
}

#[test]
fn rendered_reports_validate_against_the_schema() {
    let validator = jsonschema::options()
        .offline()
        .should_validate_formats(true)
        .build(&json::schema())
        .expect("the generated schema compiles");
    for report in [rich(), rich_with_secrets(), empty()] {
        let doc: Value = serde_json::from_str(&rendered(&report)).expect("valid JSON");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "report does not match its schema:\n{}",
            errors.join("\n")
        );
    }
    // The schema is not vacuous.
    let mut bad: Value = serde_json::from_str(&rendered(&rich())).expect("valid JSON");
    bad["findings"][0]["severity"] = "catastrophic".into();
    assert!(!validator.is_valid(&bad));
    bad = serde_json::from_str(&rendered(&rich())).expect("valid JSON");
    bad["schema_version"] = "2".into();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn round_trips_through_serde() {
    for report in [rich(), rich_with_secrets(), empty()] {
        let text = rendered(&report);
        assert!(text.ends_with("}\n"), "pretty JSON with one trailing newline");
        let back: ScanReport = serde_json::from_str(&text).expect("the report reads back");
        assert_eq!(rendered(&back), text);
    }
}

#[test]
fn finding_fields_are_flattened() {
    let doc: Value = serde_json::from_str(&rendered(&rich())).expect("valid JSON");
    let first = &doc["findings"][0];
    assert_eq!(first["rule_id"], "github.pat");
    assert_eq!(first["state"], "open");
    assert_eq!(first["new"], true);
    assert_eq!(first["locations"].as_array().map(Vec::len), Some(7));
    assert!(first.get("secret").is_none());
}
