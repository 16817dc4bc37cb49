//! SARIF from other tools (CodeQL, Semgrep, Checkov, Trivy, ...) as
//! palisade findings, so they are stored, deduplicated and triaged like ours.
//!
//! Read leniently as JSON rather than strict SARIF types: logs from newer
//! schema versions and tools that bend the spec still import, and what a
//! result lacks is a per-result error, never the whole file's.

use std::collections::HashMap;

use palisade_domain::{
    BlobId, Confidence, Finding, FindingDetails, FindingId, FindingKind, FingerprintKey, Location,
    RuleDetails, RuleId, ScanError, SecretHash, Severity,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Largest SARIF file read (CodeQL logs of big monorepos reach tens of MiB).
pub const MAX_SARIF_BYTES: usize = 256 << 20;

/// Why a SARIF file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SarifImportError {
    #[error("SARIF file is {0} bytes, over the {MAX_SARIF_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a SARIF log: {0}")]
    NotSarif(&'static str),
}

/// What a SARIF log turned into.
#[derive(Debug, Default)]
pub struct SarifImport {
    /// Tools of the runs, `name version`.
    pub tools: Vec<String>,
    /// Results read.
    pub results: u64,
    /// One finding per rule and fingerprint, locations merged.
    pub findings: Vec<Finding>,
    /// Results that could not be imported, and why.
    pub errors: Vec<ScanError>,
}

/// Reads `bytes` as a SARIF log. `blob_of` gives the content id of a file
/// named by a result (a path relative to the checkout), `None` when the file
/// is not there: such results are reported, not imported, since a location
/// names content. `kind` overrides the kind guessed from the tool.
pub fn import_sarif(
    bytes: &[u8],
    key: &FingerprintKey,
    kind: Option<FindingKind>,
    blob_of: &dyn Fn(&str) -> Option<BlobId>,
) -> Result<SarifImport, SarifImportError> {
    if bytes.len() > MAX_SARIF_BYTES {
        return Err(SarifImportError::TooLarge(bytes.len()));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let log: Value = serde_json::from_slice(bytes).map_err(|e| SarifImportError::Json(e.to_string()))?;
    let runs = log
        .get("runs")
        .and_then(Value::as_array)
        .ok_or(SarifImportError::NotSarif("no `runs` array"))?;
    let mut out = SarifImport::default();
    let mut by_id: HashMap<FindingId, Finding> = HashMap::new();
    for (run_index, run) in runs.iter().enumerate() {
        let driver = &run["tool"]["driver"];
        let tool = text(&driver["name"]).unwrap_or("unknown").to_owned();
        let version = text(&driver["semanticVersion"]).or_else(|| text(&driver["version"]));
        out.tools
            .push(version.map_or_else(|| tool.clone(), |v| format!("{tool} {v}")));
        let rules = RuleTable::new(driver);
        let run_kind = kind.unwrap_or_else(|| kind_of_tool(&tool));
        for (i, result) in run["results"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
        {
            out.results += 1;
            let subject = format!("run {run_index} result {i}");
            match finding_of(result, &tool, run_kind, kind.is_some(), &rules, key, blob_of) {
                Ok(f) => match by_id.get_mut(&f.id) {
                    Some(existing) => existing.locations.extend(f.locations),
                    None => {
                        by_id.insert(f.id, f);
                    }
                },
                Err(message) => out.errors.push(ScanError { subject, message }),
            }
        }
    }
    out.findings = by_id.into_values().collect();
    for f in &mut out.findings {
        f.locations
            .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        f.locations.dedup();
    }
    out.findings
        .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

fn text(v: &Value) -> Option<&str> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// What a tool reports, by its name; code when unknown.
fn kind_of_tool(tool: &str) -> FindingKind {
    let t = tool.to_ascii_lowercase();
    if [
        "checkov",
        "tfsec",
        "kics",
        "terrascan",
        "trivy",
        "hadolint",
        "kube-linter",
        "template-analyzer",
    ]
    .iter()
    .any(|n| t.contains(n))
    {
        FindingKind::Iac
    } else if [
        "osv-scanner",
        "dependency",
        "pip-audit",
        "npm audit",
        "grype",
        "snyk",
    ]
    .iter()
    .any(|n| t.contains(n))
    {
        FindingKind::Dependency
    } else {
        FindingKind::Code
    }
}

/// A run's rules, by id and by index.
struct RuleTable<'a> {
    rules: &'a [Value],
    by_id: HashMap<&'a str, &'a Value>,
}

impl<'a> RuleTable<'a> {
    fn new(driver: &'a Value) -> Self {
        let rules = driver["rules"].as_array().map_or(&[][..], Vec::as_slice);
        let by_id = rules.iter().filter_map(|r| Some((text(&r["id"])?, r))).collect();
        Self { rules, by_id }
    }

    fn find(&self, result: &Value, id: Option<&str>) -> Option<&'a Value> {
        if let Some(r) = id.and_then(|id| self.by_id.get(id)) {
            return Some(r);
        }
        let index = result["ruleIndex"]
            .as_u64()
            .or_else(|| result["rule"]["index"].as_u64())?;
        self.rules.get(usize::try_from(index).ok()?)
    }
}

/// `sarif.<tool>.<rule>`, lowercase, valid as a palisade rule id; long ids
/// keep a hash of the original so two never collide.
fn rule_id_for(tool: &str, rule: &str) -> Option<RuleId> {
    let slug = |s: &str| -> String {
        let mut out = String::new();
        for c in s.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').to_owned()
    };
    let tool = slug(tool).chars().take(20).collect::<String>();
    let tool = if tool.is_empty() { "tool".to_owned() } else { tool };
    let mut rule_slug = slug(rule);
    if rule_slug.is_empty() {
        return None;
    }
    let max = 80 - "sarif.".len() - tool.len() - 1;
    if rule_slug.len() > max {
        let hash = hex::encode(&Sha256::digest(rule.as_bytes())[..4]);
        rule_slug.truncate(max - 9);
        rule_slug = format!("{}-{hash}", rule_slug.trim_end_matches('-'));
    }
    RuleId::parse(&format!("sarif.{tool}.{rule_slug}")).ok()
}

fn severity_of(result: &Value, rule: Option<&Value>) -> Severity {
    // GitHub's `security-severity` (a CVSS-like score) is the most precise.
    let score = rule
        .and_then(|r| {
            r["properties"]["security-severity"]
                .as_str()
                .and_then(|s| s.parse::<f64>().ok())
        })
        .or_else(|| rule.and_then(|r| r["properties"]["security-severity"].as_f64()));
    if let Some(score) = score {
        return match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Info,
        };
    }
    let level = text(&result["level"])
        .or_else(|| rule.and_then(|r| text(&r["defaultConfiguration"]["level"])))
        .unwrap_or("warning");
    match level {
        "error" => Severity::High,
        "note" => Severity::Low,
        "none" => Severity::Info,
        _ => Severity::Medium,
    }
}

fn cwes_of(rule: Option<&Value>) -> Vec<u32> {
    let tags = rule
        .and_then(|r| r["properties"]["tags"].as_array())
        .map_or(&[][..], Vec::as_slice);
    let mut out: Vec<u32> = tags
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|t| {
            let lower = t.to_ascii_lowercase();
            let digits = lower.split("cwe-").nth(1)?;
            let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
            n.parse().ok()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A result's artifact path relative to the checkout, `/`-separated.
fn path_of(location: &Value) -> Option<String> {
    let uri = text(&location["physicalLocation"]["artifactLocation"]["uri"])?;
    let uri = uri.strip_prefix("file://").unwrap_or(uri);
    let decoded = percent_encoding::percent_decode_str(uri).decode_utf8_lossy();
    let path = decoded.trim_start_matches("./").trim_start_matches('/');
    if path.is_empty() || path.split('/').any(|seg| seg == "..") {
        return None;
    }
    Some(path.to_owned())
}

fn finding_of(
    result: &Value,
    tool: &str,
    kind: FindingKind,
    kind_forced: bool,
    rules: &RuleTable<'_>,
    key: &FingerprintKey,
    blob_of: &dyn Fn(&str) -> Option<BlobId>,
) -> Result<Finding, String> {
    let id = text(&result["ruleId"]).or_else(|| text(&result["rule"]["id"]));
    let rule = rules.find(result, id);
    let raw_id = id
        .or_else(|| rule.and_then(|r| text(&r["id"])))
        .ok_or("result names no rule (ruleId, rule.id or ruleIndex)")?;
    let rule_id =
        rule_id_for(tool, raw_id).ok_or_else(|| format!("rule id {raw_id:?} has no usable characters"))?;
    let message = text(&result["message"]["text"])
        .or_else(|| rule.and_then(|r| text(&r["shortDescription"]["text"])))
        .unwrap_or(raw_id);
    let message: String = message.chars().take(500).collect();
    let rule_name = rule
        .and_then(|r| text(&r["shortDescription"]["text"]).or_else(|| text(&r["name"])))
        .unwrap_or(raw_id)
        .chars()
        .take(200)
        .collect();
    let location = result["locations"]
        .as_array()
        .and_then(|l| l.first())
        .ok_or("result has no location")?;
    let path = path_of(location).ok_or("result location has no usable relative file path")?;
    let blob_id = blob_of(&path).ok_or_else(|| format!("{path}: not found in the checkout"))?;
    let region = &location["physicalLocation"]["region"];
    let line = region["startLine"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(1)
        .max(1);
    let column = region["startColumn"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(1)
        .max(1);

    // Identity: the tool's own fingerprints when given (they survive line
    // moves), else the file and message, so a re-import maps to the same
    // finding and keeps its triage.
    let mut identity = format!("{path}\0");
    let fingerprints = result["partialFingerprints"]
        .as_object()
        .or_else(|| result["fingerprints"].as_object());
    match fingerprints {
        Some(map) if !map.is_empty() => {
            let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            for (k, v) in pairs {
                identity.push_str(k);
                identity.push('=');
                identity.push_str(v.as_str().unwrap_or_default());
                identity.push('\0');
            }
        }
        _ => identity.push_str(&message),
    }
    let kind = if !kind_forced && kind == FindingKind::Iac && raw_id.starts_with("CVE-") {
        FindingKind::Dependency
    } else {
        kind
    };
    Ok(Finding {
        id: key.finding_id(&rule_id, identity.as_bytes()),
        kind,
        rule_id,
        rule_name,
        severity: severity_of(result, rule),
        confidence: Confidence::Medium,
        preview: format!("{path}:{line}"),
        secret_hash: SecretHash::of(identity.as_bytes()),
        details: Some(FindingDetails::Rule(RuleDetails {
            message,
            subject: None,
            cwe: cwes_of(rule),
            checkov: if tool.eq_ignore_ascii_case("checkov") {
                vec![raw_id.to_owned()]
            } else {
                Vec::new()
            },
            tool: Some(tool.to_owned()),
        })),
        secret: None,
        locations: vec![Location {
            path,
            line,
            column,
            blob_id,
            commit: None,
        }],
    })
}
