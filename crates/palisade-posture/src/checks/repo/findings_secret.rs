use palisade_domain::{FindingKind, ResourceKind, Severity};

use super::findings_resolved;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.open-secret-findings",
    title: "Repositories should have secret findings resolved",
    severity: Severity::High,
    target: ResourceKind::Repository,
    rationale: "A credential in a repository, or in its history, works for whoever clones it: contributors, build agents, anyone the repository is shared with or leaked to. Every open secret finding is a credential to rotate.",
    remediation: &[
        "List them: `palisade findings list --kind secret --state open` (or the repository's page in the console).",
        "Rotate each credential at its issuer first (removing it from the code does not revoke it), then remove it from the code and, where policy requires, from history.",
        "Triage what is not a risk (`palisade findings triage ID --state false-positive|accepted-risk --comment ...`): \
         triage survives rescans, so a reviewed finding stops failing this check.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
        "https://learn.microsoft.com/azure/devops/repos/security/github-advanced-security-secret-scanning",
    ],
    permissions: "Code (read) for palisade's managed scans of the repository (`palisade repos enable`)",
    defender: Some("Azure DevOps repositories should have secret scanning findings resolved"),
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    findings_resolved(inv, out, FindingKind::Secret, "secret");
}
