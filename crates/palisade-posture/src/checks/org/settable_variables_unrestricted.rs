use palisade_domain::{ResourceKind, Severity};

use super::SETTABLE_VARIABLES;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.settable-variables-unrestricted",
    title: "Variables that can be set at queue time should be limited",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "When any variable can be set at queue time, a user with only Queue builds permission \
        overrides variables the pipeline trusts (a deployment URL, a tool path, a feature flag) and turns \
        a run into code execution or exfiltration.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Limit variables that can be set at queue \
            time\".",
        "Mark as settable at queue time only the variables a pipeline really needs to take from the person \
            queuing it.",
    ],
    references: &["https://learn.microsoft.com/azure/devops/pipelines/security/inputs"],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_SI_Limit_Variables_Settable_At_Queue_Time"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &SETTABLE_VARIABLES);
}
