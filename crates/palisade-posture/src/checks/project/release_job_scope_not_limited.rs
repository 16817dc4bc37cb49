use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::project_setting;
use crate::checks::org::JOB_AUTH_SCOPE_FOR_RELEASES;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.release-job-scope-not-limited",
    title: "Projects should limit job authorization scope to the current project for release pipelines",
    severity: Severity::Medium,
    target: ResourceKind::Project,
    rationale: "With collection scope, the project's classic releases run with the Project Collection \
        Build Service identity: a compromised release task reaches the repositories and pipelines of every \
        project.",
    remediation: &[
        "Project settings > Pipelines > Settings: turn on \"Limit job authorization scope to current \
            project for release pipelines\".",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
            {\"enforceJobAuthScopeForReleases\": true}.",
        "A setting greyed out here is enforced (or left open) by the organization: fix it once in \
            Organization settings > Pipelines > Settings to cover every project.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope",
    ],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings; the \
        organization's enforcement is read as for the ado.org checks (Project Collection Administrator)",
    defender: None,
    azsk: &["ADO_Project_AuthZ_Limit_Release_Pipeline_Scope"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    project_setting(inv, out, &JOB_AUTH_SCOPE_FOR_RELEASES);
}
