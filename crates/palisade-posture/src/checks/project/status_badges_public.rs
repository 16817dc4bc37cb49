use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::project_setting;
use crate::checks::org::PRIVATE_STATUS_BADGES;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.status-badges-public",
    title: "Projects should disable anonymous access to status badges",
    severity: Severity::Low,
    target: ResourceKind::Project,
    rationale: "Anonymous badges disclose pipeline and branch names and build state to anyone with the \
        URL: reconnaissance that helps target a private project.",
    remediation: &[
        "Project settings > Pipelines > Settings: turn on \"Disable anonymous access to badges\".",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with {\"statusBadgesArePrivate\": \
            true}.",
        "A setting greyed out here is enforced (or left open) by the organization: fix it once in \
            Organization settings > Pipelines > Settings to cover every project.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/create-first-pipeline#add-a-status-badge-to-your-repository",
    ],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings; the \
        organization's enforcement is read as for the ado.org checks (Project Collection Administrator)",
    defender: None,
    azsk: &["ADO_Project_DP_Disable_Anonymous_Access_To_Badges"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    project_setting(inv, out, &PRIVATE_STATUS_BADGES);
}
