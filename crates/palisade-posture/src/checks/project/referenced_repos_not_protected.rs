use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::project_setting;
use crate::checks::org::REFERENCED_REPO_SCOPED_TOKEN;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.referenced-repos-not-protected",
    title: "Projects should protect access to repositories in YAML pipelines",
    severity: Severity::Medium,
    target: ResourceKind::Project,
    rationale: "Without this setting a YAML pipeline's job token can clone every repository the build \
        identity can read, not only those the pipeline declares: a pull request that adds a script can \
        exfiltrate the code of other repositories.",
    remediation: &[
        "Project settings > Pipelines > Settings: turn on \"Protect access to repositories in YAML \
            pipelines\".",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
            {\"enforceReferencedRepoScopedToken\": true}.",
        "A setting greyed out here is enforced (or left open) by the organization: fix it once in \
            Organization settings > Pipelines > Settings to cover every project.",
    ],
    references: &["https://learn.microsoft.com/azure/devops/pipelines/security/secure-access-to-repos"],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings; the \
        organization's enforcement is read as for the ado.org checks (Project Collection Administrator)",
    defender: None,
    azsk: &["ADO_Project_AuthZ_Limit_Pipeline_Scope_To_Referenced_Repos"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    project_setting(inv, out, &REFERENCED_REPO_SCOPED_TOKEN);
}
