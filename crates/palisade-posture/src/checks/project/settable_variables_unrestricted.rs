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

#[cfg(test)]
mod tests {
    use super::super::testing::{run, with_org_setting, with_project_setting};
    use super::CHECK;
    use crate::Status;
    use crate::checks::org::SETTABLE_VARIABLES as S;
    use crate::fixture::Estate;

    #[test]
    fn secure_project_setting_passes() {
        let estate = with_org_setting(
            S.name,
            Some(!S.secure),
            with_project_setting(S.name, Some(S.secure)),
        );
        assert_eq!(run(&CHECK, &estate), [Status::Pass]);
    }

    #[test]
    fn organization_enforcement_passes() {
        let estate = with_org_setting(
            S.name,
            Some(S.secure),
            with_project_setting(S.name, Some(!S.secure)),
        );
        assert_eq!(run(&CHECK, &estate), [Status::Pass]);
    }

    #[test]
    fn insecure_project_setting_fails() {
        let estate = with_org_setting(
            S.name,
            Some(!S.secure),
            with_project_setting(S.name, Some(!S.secure)),
        );
        assert_eq!(run(&CHECK, &estate), [Status::Fail]);
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        let estate = with_org_setting(S.name, None, with_project_setting(S.name, None));
        assert_eq!(run(&CHECK, &estate), [Status::Unknown]);
        assert_eq!(run(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
