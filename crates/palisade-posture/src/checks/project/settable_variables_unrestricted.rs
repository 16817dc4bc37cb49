use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::project_setting;
use crate::checks::org::SETTABLE_VARIABLES;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.settable-variables-unrestricted",
    title: "Projects should limit variables that can be set at queue time",
    severity: Severity::Medium,
    target: ResourceKind::Project,
    rationale: "When any variable can be set at queue time, a user who may only queue runs overrides \
        variables the pipeline trusts (a deployment URL, a tool path) and turns a run into code execution \
        or exfiltration with the pipeline's connections.",
    remediation: &[
        "Project settings > Pipelines > Settings: turn on \"Limit variables that can be set at queue \
            time\".",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with {\"enforceSettableVar\": \
            true}.",
        "A setting greyed out here is enforced (or left open) by the organization: fix it once in \
            Organization settings > Pipelines > Settings to cover every project.",
    ],
    references: &["https://learn.microsoft.com/azure/devops/pipelines/security/inputs"],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings; the \
        organization's enforcement is read as for the ado.org checks (Project Collection Administrator)",
    defender: None,
    azsk: &["ADO_Project_SI_Limit_Variables_Settable_At_Queue_Time"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    project_setting(inv, out, &SETTABLE_VARIABLES);
}
