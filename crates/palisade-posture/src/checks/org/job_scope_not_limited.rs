use palisade_domain::{ResourceKind, Severity};

use super::JOB_AUTH_SCOPE;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.job-scope-not-limited",
    title: "Job authorization scope should be limited to the current project for non-release pipelines",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "With collection scope, every pipeline's System.AccessToken acts as the Project Collection \
        Build Service: a malicious script in any pipeline can read and push to the repositories and queue \
        the pipelines of every project in the organization.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Limit job authorization scope to current \
            project for non-release pipelines\".",
        "Grant cross-project access explicitly to the project's build service identity where a pipeline \
            really needs it.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope",
        "https://learn.microsoft.com/azure/devops/pipelines/security/secure-access-to-repos",
    ],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Limit_Non_Release_Pipeline_Scope"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &JOB_AUTH_SCOPE);
}
