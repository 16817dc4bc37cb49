use palisade_domain::{FindingKind, ResourceKind, Severity};

use super::findings_resolved;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.open-dependency-findings",
    title: "Repositories should have dependency vulnerability findings resolved",
    severity: Severity::Medium,
    target: ResourceKind::Repository,
    rationale: "A dependency with a published advisory is a known, often exploited, way in: attackers scan for the vulnerable versions the advisory names.",
    remediation: &[
        "List them: `palisade findings list --kind dependency --state open` (or the repository's page in the console).",
        "Upgrade each package to the fixed version the finding names (in the lockfile, or the manifest that pins it).",
        "Triage what is not a risk (`palisade findings triage ID --state false-positive|accepted-risk --comment ...`): \
         triage survives rescans, so a reviewed finding stops failing this check.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
        "https://learn.microsoft.com/azure/devops/repos/security/github-advanced-security-dependency-scanning",
    ],
    permissions: "Code (read) for palisade's managed scans of the repository (`palisade repos enable`)",
    defender: Some("Azure DevOps repositories should have dependency vulnerability findings resolved"),
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    findings_resolved(inv, out, FindingKind::Dependency, "dependency");
}
