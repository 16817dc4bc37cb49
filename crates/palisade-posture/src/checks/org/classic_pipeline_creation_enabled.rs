use palisade_domain::{ResourceKind, Severity};

use super::CLASSIC_PIPELINE_CREATION;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.classic-pipeline-creation-enabled",
    title: "Creation of classic build and release pipelines should be disabled",
    severity: Severity::High,
    target: ResourceKind::Organization,
    rationale: "Classic pipelines are defined in the web UI, not in the repository: their changes skip \
        pull request review and branch policies, and they share protected resources with YAML pipelines \
        without the same checks, so a user with edit rights on a classic pipeline can run arbitrary steps \
        with the project's connections.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Disable creation of classic build \
            pipelines\" and \"Disable creation of classic release pipelines\".",
        "Migrate existing classic pipelines to YAML.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/release-notes/2022/sprint-213-update#ensure-your-organization-only-uses-yaml-pipelines",
        "https://learn.microsoft.com/azure/devops/pipelines/security/approach",
    ],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_DP_Disable_Creation_Of_Classic_Pipeline"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &CLASSIC_PIPELINE_CREATION);
}
