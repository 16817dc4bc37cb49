//! Scans and findings to record.

use palisade_domain::{
    AuthConfig, BlobId, CommitInfo, Confidence, ConnectorConfig, ConnectorName, Deployment, Finding,
    FindingId, FingerprintKey, Location, OrgName, OrgSelection, RuleId, ScanContext, ScanError, ScanStatus,
    ScanSummary, ScanTrigger, SecretHash, Severity, TargetKind, Timestamp, redact_preview,
};

/// Epoch millis of the first scan of a story; later ones are later.
pub const T0: i64 = 1_700_000_000_000;

pub const TARGET: &str = "/src/app";
pub const OTHER_TARGET: &str = "/src/lib";

/// A completed scan of `target` started `n` minutes after [`T0`].
pub fn scan(target: &str, n: i64) -> ScanSummary {
    let started = T0 + n * 60_000;
    ScanSummary {
        id: uuid::Uuid::now_v7().to_string(),
        target: target.to_owned(),
        kind: TargetKind::GitHistory,
        commit: Some("a".repeat(40)),
        status: ScanStatus::Completed,
        started_at: Timestamp::from_millis(started),
        finished_at: Some(Timestamp::from_millis(started + 1_234)),
        duration_ms: 1_234,
        files: 42,
        bytes: 10_000_000_000,
        blobs: 40,
        skipped_binary: 3,
        skipped_too_large: 1,
        rules_version: "rules-v1".to_owned(),
        rules_count: 120,
        findings: 2,
        suppressed: 1,
        errors: vec![ScanError {
            subject: "vendor/blob.bin".to_owned(),
            message: "permission denied".to_owned(),
        }],
        context: None,
    }
}

/// The same scan, as it is while running.
pub fn running(scan: &ScanSummary) -> ScanSummary {
    ScanSummary {
        status: ScanStatus::Running,
        finished_at: None,
        duration_ms: 0,
        files: 0,
        bytes: 0,
        blobs: 0,
        skipped_binary: 0,
        skipped_too_large: 0,
        findings: 0,
        suppressed: 0,
        errors: Vec::new(),
        ..scan.clone()
    }
}

fn key() -> FingerprintKey {
    FingerprintKey::from_bytes([7; 32])
}

pub fn rule(id: &str) -> RuleId {
    RuleId::parse(id).expect("valid rule id")
}

pub fn id_of(rule_id: &str, secret: &str) -> FindingId {
    key().finding_id(&rule(rule_id), secret.as_bytes())
}

/// What a secrets scan of a whole target is complete for.
pub const SECRETS: &[palisade_domain::FindingKind] = &[palisade_domain::FindingKind::Secret];

/// A finding of `secret` by `rule_id` at `locations`.
pub fn finding(rule_id: &str, secret: &str, severity: Severity, locations: Vec<Location>) -> Finding {
    Finding {
        id: id_of(rule_id, secret),
        kind: palisade_domain::FindingKind::Secret,
        rule_id: rule(rule_id),
        rule_name: format!("Rule {rule_id}"),
        severity,
        confidence: Confidence::High,
        preview: redact_preview(secret.as_bytes()),
        secret_hash: SecretHash::of(secret.as_bytes()),
        details: None,
        secret: None,
        locations,
    }
}

/// A location in a working tree (no commit).
pub fn loc(path: &str, line: u32) -> Location {
    Location {
        path: path.to_owned(),
        line,
        column: 7,
        blob_id: BlobId::compute(path.as_bytes()),
        commit: None,
    }
}

/// A location in history, introduced by a commit.
pub fn loc_in_commit(path: &str, line: u32) -> Location {
    Location {
        commit: Some(CommitInfo {
            id: "c".repeat(40),
            author_name: "Ada Lovelace".to_owned(),
            author_email: "ada@example.com".to_owned(),
            date: Timestamp::from_millis(T0 - 86_400_000),
        }),
        ..loc(path, line)
    }
}

/// `n` minutes after [`T0`].
pub fn minutes(n: i64) -> Timestamp {
    Timestamp::from_millis(T0 + n * 60_000)
}

pub fn org_name(name: &str) -> OrgName {
    OrgName::parse(name).expect("valid org")
}

/// A PAT connector of `organization` only.
pub fn pat_connector(name: &str, organization: &str) -> ConnectorConfig {
    ConnectorConfig {
        name: ConnectorName::parse(name).expect("valid connector name"),
        organization: org_name(organization),
        deployment: Deployment::public_cloud(),
        auth: AuthConfig::Pat,
        orgs: OrgSelection::Chosen(Vec::new()),
    }
}

/// Where a managed scan of `repo_name` by `job` for `connector` came from.
pub fn context(connector: &str, repo_id: &str, repo_name: &str, job: Option<&str>) -> ScanContext {
    ScanContext {
        connector: connector.to_owned(),
        org: "contoso".to_owned(),
        repo_id: repo_id.to_owned(),
        repo_name: repo_name.to_owned(),
        branch: Some("main".to_owned()),
        trigger: ScanTrigger::Schedule,
        job: job.map(str::to_owned),
        pull_request: None,
        incremental: false,
    }
}

/// A completed managed scan of `target` started `n` minutes after [`T0`].
pub fn managed_scan(target: &str, n: i64, context: ScanContext) -> ScanSummary {
    ScanSummary {
        context: Some(context),
        ..scan(target, n)
    }
}
