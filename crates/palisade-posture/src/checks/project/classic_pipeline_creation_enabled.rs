use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::project_setting;
use crate::checks::org::CLASSIC_PIPELINE_CREATION;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.classic-pipeline-creation-enabled",
    title: "Projects should have creation of classic pipelines disabled",
    severity: Severity::High,
    target: ResourceKind::Project,
    rationale: "Classic pipelines live in the web UI, not in the repository: their changes skip pull \
        request review and branch policies, and they use the same service connections, variable groups and \
        agent pools as YAML pipelines without the YAML checks, so anyone who may edit one can run \
        arbitrary steps with production credentials.",
    remediation: &[
        "Project settings > Pipelines > Settings: turn on \"Disable creation of classic build pipelines\" \
            and \"Disable creation of classic release pipelines\".",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
            {\"disableClassicPipelineCreation\": true}.",
        "A setting greyed out here is enforced (or left open) by the organization: fix it once in \
            Organization settings > Pipelines > Settings to cover every project.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/release-notes/2022/sprint-213-update#ensure-your-organization-only-uses-yaml-pipelines",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings; the \
        organization's enforcement is read as for the ado.org checks (Project Collection Administrator)",
    defender: Some("(Preview) Azure DevOps projects should have creation of classic pipelines disabled"),
    azsk: &["ADO_Project_DP_Disable_Creation_Of_Classic_Pipeline"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    project_setting(inv, out, &CLASSIC_PIPELINE_CREATION);
}
