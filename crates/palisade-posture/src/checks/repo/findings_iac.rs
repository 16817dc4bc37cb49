use palisade_domain::{FindingKind, ResourceKind, Severity};

use super::findings_resolved;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.open-iac-findings",
    title: "Repositories should have infrastructure-as-code findings resolved",
    severity: Severity::Medium,
    target: ResourceKind::Repository,
    rationale: "An infrastructure template with a misconfiguration (public storage, open network rules, privileged containers) deploys the weakness every time the pipeline runs.",
    remediation: &[
        "List them: `palisade findings list --kind iac --state open` (or the repository's page in the console).",
        "Change the template setting the finding names, then redeploy so the running resources change too.",
        "Triage what is not a risk (`palisade findings triage ID --state false-positive|accepted-risk --comment ...`): \
         triage survives rescans, so a reviewed finding stops failing this check.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
        "https://learn.microsoft.com/azure/defender-for-cloud/iac-vulnerabilities",
    ],
    permissions: "Code (read) for palisade's managed scans of the repository (`palisade repos enable`)",
    defender: Some("Azure DevOps repositories should have infrastructure as code scanning findings resolved"),
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    findings_resolved(inv, out, FindingKind::Iac, "IaC");
}
