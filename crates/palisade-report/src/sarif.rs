//! SARIF 2.1.0 output: `--format sarif`, for GitHub code scanning, Azure
//! DevOps and other SARIF viewers.
//!
//! One run. `tool.driver.rules` holds one reporting descriptor per rule of
//! the report (plus one per rule a finding names that the report's rule list
//! lacks, so every `ruleIndex` resolves). Each finding becomes one result
//! with *all* its locations, relative to `%SRCROOT%` (the scan target), and
//! `partialFingerprints["palisade/v1"]` = the finding id, so viewers track it
//! across runs. Findings triaged as false positive or accepted risk carry an
//! external, accepted suppression. Scan errors become tool execution
//! notifications. The secret appears in clear only if the finding carries it
//! (`--show-secrets`); otherwise messages use the redacted preview.
//!
//! Types come from the `serde-sarif` crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use palisade_domain::{Confidence, Location, ScanStatus, Severity, TriageState};
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location as SarifLocation, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};

use crate::{ReportedFinding, RuleInfo, ScanReport};

/// `$schema` of the document.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";

/// The `uriBaseId` every location is relative to.
pub const SRCROOT: &str = "%SRCROOT%";

/// Key of the finding id in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "palisade/v1";

/// Where `tool.driver.informationUri` points.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// Writes `report` as a pretty-printed SARIF log followed by a newline.
pub fn render(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(report))?;
    out.write_all(b"\n")
}

/// The SARIF log of `report` as a JSON value.
pub fn to_sarif(report: &ScanReport) -> Value {
    serde_json::to_value(sarif_log(report)).unwrap_or(Value::Null)
}

/// The SARIF log of `report` as `serde-sarif` types.
pub fn sarif_log(report: &ScanReport) -> Sarif {
    let rules = rule_list(report);
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|f| result(f, index.get(f.finding.rule_id.as_str()).copied()))
        .collect();

    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .version(report.tool.version.clone())
        .information_uri(INFORMATION_URI)
        .rules(rules.iter().map(descriptor).collect::<Vec<_>>())
        .build();

    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation(report)])
        .original_uri_base_ids(BTreeMap::from([(
            SRCROOT.to_owned(),
            ArtifactLocation::builder()
                .uri(file_uri_dir(&report.scan.target))
                .build(),
        )]))
        .results(results)
        .properties(run_properties(report))
        .build();

    Sarif::builder()
        .schema(SARIF_SCHEMA)
        .version(SARIF_VERSION)
        .runs(vec![run])
        .build()
}

/// The report's rules, then a minimal entry for any rule a finding names
/// that the list lacks.
fn rule_list(report: &ScanReport) -> Vec<RuleInfo> {
    let mut rules = report.rules.clone();
    for f in &report.findings {
        let f = &f.finding;
        if !rules.iter().any(|r| r.id == f.rule_id) {
            rules.push(RuleInfo {
                id: f.rule_id.clone(),
                name: f.rule_name.clone(),
                severity: f.severity,
                confidence: f.confidence,
                description: f.rule_name.clone(),
                remediation: String::new(),
                references: Vec::new(),
            });
        }
    }
    rules
}

fn descriptor(rule: &RuleInfo) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_owned(),
        json!(security_severity(rule.severity)),
    );
    props.insert("precision".to_owned(), json!(precision(rule.confidence)));
    props.insert("severity".to_owned(), json!(rule.severity.as_str()));
    let properties = PropertyBag::builder()
        .tags(vec!["security".to_owned(), "secret".to_owned()])
        .additional_properties(props)
        .build();
    let mut d = ReportingDescriptor::builder()
        .id(rule.id.as_str())
        .name(rule.name.clone())
        .short_description(text(&rule.name))
        .full_description(text(non_empty(&rule.description, &rule.name)))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(level_name(rule.severity))
                .build(),
        )
        .properties(properties)
        .build();
    if !rule.remediation.is_empty() || !rule.references.is_empty() {
        d.help = Some(help(rule));
    }
    d.help_uri = rule.references.iter().find(|r| is_web_url(r)).cloned();
    d
}

fn help(rule: &RuleInfo) -> MultiformatMessageString {
    let mut plain = rule.remediation.clone();
    let mut markdown = rule.remediation.clone();
    if !rule.references.is_empty() {
        for s in [&mut plain, &mut markdown] {
            if !s.is_empty() {
                s.push_str("\n\n");
            }
            s.push_str("References:\n");
        }
        for r in &rule.references {
            let _ = writeln!(plain, "- {r}");
            if is_web_url(r) {
                let _ = writeln!(markdown, "- <{r}>");
            } else {
                let _ = writeln!(markdown, "- {r}");
            }
        }
    }
    MultiformatMessageString::builder()
        .text(plain.trim_end().to_owned())
        .markdown(markdown.trim_end().to_owned())
        .build()
}

fn result(rf: &ReportedFinding, rule_index: Option<usize>) -> SarifResult {
    let f = &rf.finding;
    let shown = f.secret.as_deref().unwrap_or(&f.preview);
    let mut message = format!("{}: {shown}", f.rule_name);
    if f.locations.len() > 1 {
        let _ = write!(message, " (seen in {} places)", f.locations.len());
    }
    let mut props = BTreeMap::new();
    props.insert("state".to_owned(), json!(rf.state.as_str()));
    props.insert("new".to_owned(), json!(rf.new));
    props.insert("secretHash".to_owned(), json!(f.secret_hash.to_string()));
    props.insert("severity".to_owned(), json!(f.severity.as_str()));
    props.insert("confidence".to_owned(), json!(f.confidence.as_str()));
    let mut r = SarifResult::builder()
        .rule_id(f.rule_id.as_str())
        .level(result_level(f.severity))
        .message(Message::builder().text(message).build())
        .locations(f.locations.iter().map(location).collect::<Vec<_>>())
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_owned(), f.id.to_hex())]))
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    r.rule_index = rule_index.map(|i| i as i64);
    if let Some(justification) = suppression_justification(rf.state) {
        r.suppressions = Some(vec![
            Suppression::builder()
                .kind("external")
                .status("accepted")
                .justification(justification)
                .build(),
        ]);
    }
    r
}

fn location(loc: &Location) -> SarifLocation {
    let region = Region::builder()
        .start_line(i64::from(loc.line.max(1)))
        .start_column(i64::from(loc.column.max(1)))
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(relative_uri(&loc.path))
                .uri_base_id(SRCROOT)
                .build(),
        )
        .region(region)
        .build();
    let mut props = BTreeMap::new();
    props.insert("blobId".to_owned(), json!(loc.blob_id.to_hex()));
    let mut sarif = SarifLocation::builder().physical_location(physical).build();
    if let Some(c) = &loc.commit {
        props.insert(
            "commit".to_owned(),
            json!({
                "id": c.id,
                "authorName": c.author_name,
                "authorEmail": c.author_email,
                "date": c.date.to_rfc3339(),
            }),
        );
        let short: String = c.id.chars().take(8).collect();
        let date = c.date.to_rfc3339();
        let day = date.get(..10).unwrap_or(&date);
        sarif.message = Some(
            Message::builder()
                .text(format!("commit {short} by {} on {day}", c.author_name))
                .build(),
        );
    }
    sarif.properties = Some(PropertyBag::builder().additional_properties(props).build());
    sarif
}

fn invocation(report: &ScanReport) -> Invocation {
    let scan = &report.scan;
    let successful = matches!(
        scan.status,
        ScanStatus::Completed | ScanStatus::CompletedWithErrors
    );
    let notifications: Vec<Notification> = scan
        .errors
        .iter()
        .map(|e| {
            let mut props = BTreeMap::new();
            props.insert("subject".to_owned(), json!(e.subject));
            Notification::builder()
                .level("error")
                .message(
                    Message::builder()
                        .text(format!("{}: {}", e.subject, e.message))
                        .build(),
                )
                .properties(PropertyBag::builder().additional_properties(props).build())
                .build()
        })
        .collect();
    let mut inv = Invocation::builder()
        .execution_successful(successful)
        .start_time_utc(scan.started_at.to_rfc3339())
        .tool_execution_notifications(notifications)
        .build();
    inv.end_time_utc = scan.finished_at.map(palisade_domain::Timestamp::to_rfc3339);
    inv
}

fn run_properties(report: &ScanReport) -> PropertyBag {
    let scan = &report.scan;
    let mut props = BTreeMap::new();
    props.insert("scanId".to_owned(), json!(scan.id));
    props.insert("target".to_owned(), json!(scan.target));
    props.insert("kind".to_owned(), json!(scan.kind.as_str()));
    props.insert("status".to_owned(), json!(scan.status.as_str()));
    if let Some(commit) = &scan.commit {
        props.insert("commit".to_owned(), json!(commit));
    }
    props.insert("rulesVersion".to_owned(), json!(scan.rules_version));
    props.insert("suppressed".to_owned(), json!(scan.suppressed));
    PropertyBag::builder().additional_properties(props).build()
}

/// GitHub's `security-severity`: a CVSS-like score as a string.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// GitHub's `precision` from the rule's confidence.
pub fn precision(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// SARIF `level` of a severity.
pub fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn level_name(severity: Severity) -> &'static str {
    match result_level(severity) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

fn suppression_justification(state: TriageState) -> Option<&'static str> {
    match state {
        TriageState::FalsePositive => Some("Triaged as a false positive in palisade."),
        TriageState::AcceptedRisk => Some("Risk accepted in palisade triage."),
        TriageState::Open | TriageState::Fixed => None,
    }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.to_owned()).build()
}

fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() { fallback } else { s }
}

fn is_web_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace)
}

/// Percent-encodes a `/`-separated relative path as a URI reference. `:` is
/// encoded too, so `c:foo` cannot read as a scheme.
pub fn relative_uri(path: &str) -> String {
    encode_path(path.trim_start_matches('/'), false)
}

/// `file://` URI of a directory, ending with `/` as SARIF requires of base
/// URIs. Accepts Unix paths and Windows paths (`C:\x`, `\\?\C:\x`).
pub fn file_uri_dir(path: &str) -> String {
    let path = path.strip_prefix(r"\\?\").unwrap_or(path).replace('\\', "/");
    let mut uri = String::from("file://");
    if !path.starts_with('/') {
        uri.push('/');
    }
    uri.push_str(&encode_path(&path, true));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn encode_path(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            )
            || (keep_colon && b == b':');
        if keep {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
