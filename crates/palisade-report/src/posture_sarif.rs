//! Posture results as SARIF 2.1.0: one rule per check, one result per
//! resource, located by a logical location (the resource key) since a
//! setting has no file and line. The result's `kind` carries the status:
//! `fail`, `pass`, `notApplicable`, and `review` for unknown (a person must
//! look: the data could not be read). Exempted failures carry an external,
//! accepted suppression with the exemption's reason.

use std::collections::BTreeMap;
use std::io::{self, Write};

use palisade_domain::{PostureStatus, Severity};
use serde_json::{Value, json};

/// A check as the log describes it.
#[derive(Clone, Debug)]
pub struct PostureRule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub rationale: String,
    pub remediation: Vec<String>,
    pub references: Vec<String>,
}

/// One result to write.
#[derive(Clone, Debug)]
pub struct PostureLogResult {
    pub check: String,
    pub severity: Severity,
    pub resource_key: String,
    pub resource_name: String,
    pub resource_kind: String,
    pub status: PostureStatus,
    pub reason: String,
    /// The reason of the exemption that covers a failure.
    pub exemption: Option<String>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The log as JSON.
pub fn to_sarif(rules: &[PostureRule], results: &[PostureLogResult]) -> Value {
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            let steps: Vec<String> = r
                .remediation
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}. {s}", i + 1))
                .collect();
            let mut d = json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.rationale},
                "help": {"text": steps.join("\n")},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {
                    "security-severity": security_severity(r.severity),
                    "tags": ["security", "posture", "azure-devops"],
                },
            });
            if let Some(first) = r.references.first() {
                d["helpUri"] = json!(first);
            }
            d
        })
        .collect();
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            let kind = match r.status {
                PostureStatus::Pass => "pass",
                PostureStatus::Fail => "fail",
                PostureStatus::NotApplicable => "notApplicable",
                PostureStatus::Unknown => "review",
            };
            let mut v = json!({
                "ruleId": r.check,
                "kind": kind,
                "message": {"text": format!("{}: {}", r.resource_name, r.reason)},
                "locations": [{
                    "logicalLocations": [{
                        "name": r.resource_name,
                        "fullyQualifiedName": r.resource_key,
                        "kind": r.resource_kind,
                    }]
                }],
                "partialFingerprints": {"palisade/posture/v1": format!("{}|{}", r.check, r.resource_key)},
            });
            // SARIF: `level` is "none" unless the result is a failure.
            v["level"] = json!(if r.status == PostureStatus::Fail {
                level(r.severity)
            } else {
                "none"
            });
            if let Some(&i) = index.get(r.check.as_str()) {
                v["ruleIndex"] = json!(i);
            }
            if let Some(reason) = &r.exemption {
                v["suppressions"] =
                    json!([{"kind": "external", "status": "accepted", "justification": reason}]);
            }
            v
        })
        .collect();
    json!({
        "$schema": crate::sarif::SARIF_SCHEMA,
        "version": crate::sarif::SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "palisade-posture",
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "results": results,
        }]
    })
}

/// Writes the log pretty-printed, followed by a newline.
pub fn render(rules: &[PostureRule], results: &[PostureLogResult], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(rules, results))?;
    out.write_all(b"\n")
}
