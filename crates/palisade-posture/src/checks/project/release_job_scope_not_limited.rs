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

#[cfg(test)]
mod tests {
    use super::super::testing::{run, with_org_setting, with_project_setting};
    use super::CHECK;
    use crate::Status;
    use crate::checks::org::JOB_AUTH_SCOPE_FOR_RELEASES as S;
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
