use palisade_domain::{ResourceKind, Severity};

use super::JOB_AUTH_SCOPE_FOR_RELEASES;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.release-job-scope-not-limited",
    title: "Job authorization scope should be limited to the current project for release pipelines",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "With collection scope, a classic release's job token acts as the Project Collection Build \
        Service: a compromised release task or script reaches the repositories and pipelines of every \
        project.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Limit job authorization scope to current \
            project for release pipelines\".",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope",
    ],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Limit_Release_Pipeline_Scope"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &JOB_AUTH_SCOPE_FOR_RELEASES);
}
