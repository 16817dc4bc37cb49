use palisade_domain::{ResourceKind, Severity};

use super::PRIVATE_STATUS_BADGES;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.status-badges-public",
    title: "Anonymous access to status badges should be disabled",
    severity: Severity::Low,
    target: ResourceKind::Organization,
    rationale: "Anonymous badges disclose, to anyone with the URL, pipeline and branch names and whether \
        builds pass: reconnaissance that helps target a private project.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Disable anonymous access to badges\".",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/create-first-pipeline#add-a-status-badge-to-your-repository",
    ],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_DP_Disable_Anonymous_Access_To_Badges"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &PRIVATE_STATUS_BADGES);
}
