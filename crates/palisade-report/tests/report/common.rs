//! Sample reports shared by the format tests.

use palisade_domain::{
    BlobId, CommitInfo, Confidence, Finding, FindingId, Location, RuleId, ScanError, ScanStatus, ScanSummary,
    SecretHash, Severity, TargetKind, Timestamp, TriageState, redact_preview,
};
use palisade_report::{ReportedFinding, RuleInfo, SCHEMA_VERSION, ScanReport, Tool};

/// Secrets planted in the samples. None of them may appear in any output
/// unless the finding carries it in `secret`.
pub const SECRETS: [&str; 5] = [
    "ghp_PLANTEDgithubTOKEN0123456789abcdefXYZ",
    "AKIAPLANTEDAWSKEY7777",
    "hunter2-PLANTED-password",
    "https://hooks.slack.com/services/T000/B000/PLANTEDslackHOOK",
    "dbg-PLANTED-internal-token-42",
];

pub fn rule_id(s: &str) -> RuleId {
    RuleId::parse(s).expect("valid rule id")
}

fn finding_id(n: u8) -> FindingId {
    FindingId::from_hex(&format!("{n:02x}").repeat(16)).expect("32 hex digits")
}

fn commit(id_byte: char, author: &str, millis: i64) -> CommitInfo {
    CommitInfo {
        id: id_byte.to_string().repeat(40),
        author_name: author.to_owned(),
        author_email: format!("{}@example.com", author.to_lowercase().replace(' ', ".")),
        date: Timestamp::from_millis(millis),
    }
}

pub fn loc(path: &str, line: u32, column: u32, commit: Option<CommitInfo>) -> Location {
    Location {
        path: path.to_owned(),
        line,
        column,
        blob_id: BlobId::compute(path.as_bytes()),
        commit,
    }
}

#[expect(clippy::too_many_arguments, reason = "a test fixture builder")]
fn finding(
    n: u8,
    rule: &str,
    name: &str,
    severity: Severity,
    confidence: Confidence,
    secret: &str,
    locations: Vec<Location>,
    state: TriageState,
    new: bool,
) -> ReportedFinding {
    ReportedFinding {
        finding: Finding {
            id: finding_id(n),
            kind: palisade_domain::FindingKind::Secret,
            rule_id: rule_id(rule),
            rule_name: name.to_owned(),
            severity,
            confidence,
            preview: redact_preview(secret.as_bytes()),
            secret_hash: SecretHash::of(secret.as_bytes()),
            details: None,
            secret: None,
            locations,
        },
        state,
        new,
    }
}

fn rule(id: &str, name: &str, severity: Severity, confidence: Confidence, refs: &[&str]) -> RuleInfo {
    RuleInfo {
        id: rule_id(id),
        name: name.to_owned(),
        severity,
        confidence,
        description: format!("Finds {name}s. Anyone holding one can act as its owner."),
        remediation: format!("Revoke the {name} and issue a new one from a secret store."),
        references: refs.iter().map(|r| (*r).to_owned()).collect(),
    }
}

pub fn summary(kind: TargetKind) -> ScanSummary {
    ScanSummary {
        id: "01890a5d-ac96-774b-bcce-b302099a8057".to_owned(),
        target: "/home/dev/src/acme app".to_owned(),
        kind,
        commit: None,
        status: ScanStatus::Completed,
        started_at: Timestamp::from_millis(1_700_000_000_000),
        finished_at: Some(Timestamp::from_millis(1_700_000_002_345)),
        duration_ms: 2345,
        files: 1234,
        bytes: 5_432_100,
        blobs: 1100,
        skipped_binary: 0,
        skipped_too_large: 0,
        rules_version: "3f2a9c1e0b7d44556677889900aabbccddeeff00112233445566778899aabbcc".to_owned(),
        rules_count: 42,
        findings: 0,
        suppressed: 0,
        errors: Vec::new(),
        context: None,
    }
}

fn tool() -> Tool {
    Tool {
        name: "palisade".to_owned(),
        version: "0.1.0".to_owned(),
    }
}

/// A folder scan that found nothing.
pub fn empty() -> ScanReport {
    ScanReport {
        schema_version: SCHEMA_VERSION.to_owned(),
        tool: tool(),
        scan: summary(TargetKind::Folder),
        findings: Vec::new(),
        rules: Vec::new(),
    }
}

/// A history scan with every feature: many locations, history commits,
/// dismissed findings, a fixed one, a rule missing from `rules`, odd paths,
/// suppressed matches and scan errors.
pub fn rich() -> ScanReport {
    let jane = || Some(commit('a', "Jane Doe", 1_704_164_645_000));
    let bob = Some(commit('b', "Bob Builder", 1_690_000_000_000));
    let mut pat_locations = vec![loc("src/config.rs", 12, 9, None), loc("old/.env", 3, 1, jane())];
    for i in 0..5 {
        pat_locations.push(loc(&format!("vendor/copy{i}/config.rs"), 12 + i, 9, None));
    }
    let findings = vec![
        finding(
            1,
            "github.pat",
            "GitHub personal access token",
            Severity::Critical,
            Confidence::High,
            SECRETS[0],
            pat_locations,
            TriageState::Open,
            true,
        ),
        finding(
            2,
            "aws.access-key-id",
            "AWS access key id",
            Severity::High,
            Confidence::High,
            SECRETS[1],
            vec![loc("deploy/terraform.tfvars", 7, 14, bob)],
            TriageState::FalsePositive,
            false,
        ),
        finding(
            3,
            "generic.password-assignment",
            "Password assignment",
            Severity::Medium,
            Confidence::Low,
            SECRETS[2],
            vec![
                loc("docs/réunion notes.md", 40, 11, None),
                loc("c:odd/100%.txt", 1, 1, None),
            ],
            TriageState::AcceptedRisk,
            false,
        ),
        finding(
            4,
            "slack.webhook",
            "Slack webhook",
            Severity::Low,
            Confidence::Medium,
            SECRETS[3],
            vec![loc("scripts/notify.sh", 2, 8, jane())],
            TriageState::Fixed,
            false,
        ),
        finding(
            5,
            "internal.debug-token",
            "Internal debug token",
            Severity::Info,
            Confidence::Medium,
            SECRETS[4],
            vec![loc("test/fixtures/debug.txt", 1, 1, None)],
            TriageState::Open,
            true,
        ),
    ];
    let rules = vec![
        rule(
            "aws.access-key-id",
            "AWS access key id",
            Severity::High,
            Confidence::High,
            &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"],
        ),
        rule(
            "generic.password-assignment",
            "Password assignment",
            Severity::Medium,
            Confidence::Low,
            &[
                "OWASP ASVS 2.10",
                "https://cwe.mitre.org/data/definitions/798.html",
            ],
        ),
        rule(
            "github.pat",
            "GitHub personal access token",
            Severity::Critical,
            Confidence::High,
            &["https://docs.github.com/en/authentication"],
        ),
        rule(
            "slack.webhook",
            "Slack webhook",
            Severity::Low,
            Confidence::Medium,
            &[],
        ),
    ];
    let mut scan = summary(TargetKind::GitHistory);
    scan.commit = Some("1a2b3c4d5e6f70819203a4b5c6d7e8f901234567".to_owned());
    scan.status = ScanStatus::CompletedWithErrors;
    scan.findings = findings.len() as u64;
    scan.suppressed = 2;
    scan.skipped_binary = 3;
    scan.skipped_too_large = 1;
    scan.errors = vec![
        ScanError {
            subject: "secrets/locked.pem".to_owned(),
            message: "permission denied".to_owned(),
        },
        ScanError {
            subject: "blob 0123456789abcdef0123456789abcdef01234567".to_owned(),
            message: "object is corrupt".to_owned(),
        },
    ];
    ScanReport {
        schema_version: SCHEMA_VERSION.to_owned(),
        tool: tool(),
        scan,
        findings,
        rules,
    }
}

/// `rich()` with every finding carrying its secret (`--show-secrets`).
pub fn rich_with_secrets() -> ScanReport {
    let mut report = rich();
    for (f, secret) in report.findings.iter_mut().zip(SECRETS) {
        f.finding.secret = Some(secret.to_owned());
    }
    report
}

/// Renders with `render` into a string.
pub fn render_string(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    render(&mut buf).expect("rendering to memory succeeds");
    String::from_utf8(buf).expect("renderers write UTF-8")
}
