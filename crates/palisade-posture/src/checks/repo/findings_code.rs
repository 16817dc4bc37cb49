use palisade_domain::{FindingKind, ResourceKind, Severity};

use super::findings_resolved;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.open-code-findings",
    title: "Repositories should have code scanning findings resolved",
    severity: Severity::Medium,
    target: ResourceKind::Repository,
    rationale: "Open code flaws (injection, path traversal, unsafe deserialization, weak crypto) are the vulnerabilities an attacker reaches through the running application.",
    remediation: &[
        "List them: `palisade findings list --kind code --state open` (or the repository's page in the console).",
        "Fix the flaw the rule names (each finding says what and where), then let the next scan close it.",
        "Triage what is not a risk (`palisade findings triage ID --state false-positive|accepted-risk --comment ...`): \
         triage survives rescans, so a reviewed finding stops failing this check.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
        "https://learn.microsoft.com/azure/devops/repos/security/github-advanced-security-code-scanning",
    ],
    permissions: "Code (read) for palisade's managed scans of the repository (`palisade repos enable`)",
    defender: Some("Azure DevOps repositories should have code scanning findings resolved"),
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    findings_resolved(inv, out, FindingKind::Code, "code");
}
