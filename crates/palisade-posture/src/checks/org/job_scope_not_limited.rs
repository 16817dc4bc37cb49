use palisade_domain::{ResourceKind, Severity};

use super::JOB_AUTH_SCOPE;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.job-scope-not-limited",
    title: "Job authorization scope should be limited to the current project for non-release pipelines",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "With collection scope, every pipeline's System.AccessToken acts as the Project Collection \
        Build Service: a malicious script in any pipeline can read and push to the repositories and queue \
        the pipelines of every project in the organization.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Limit job authorization scope to current \
            project for non-release pipelines\".",
        "Grant cross-project access explicitly to the project's build service identity where a pipeline \
            really needs it.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope",
        "https://learn.microsoft.com/azure/devops/pipelines/security/secure-access-to-repos",
    ],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Limit_Non_Release_Pipeline_Scope"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &JOB_AUTH_SCOPE);
}

#[cfg(test)]
mod tests {
    use super::super::JOB_AUTH_SCOPE;
    use super::super::testing::{run, with_setting};
    use super::CHECK;
    use crate::Status;
    use crate::fixture::Estate;

    #[test]
    fn secure_value_passes() {
        let s = &JOB_AUTH_SCOPE;
        assert_eq!(run(&CHECK, &with_setting(s.name, Some(s.secure))), [Status::Pass]);
    }

    #[test]
    fn insecure_value_fails() {
        let s = &JOB_AUTH_SCOPE;
        assert_eq!(
            run(&CHECK, &with_setting(s.name, Some(!s.secure))),
            [Status::Fail]
        );
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        assert_eq!(
            run(&CHECK, &with_setting(JOB_AUTH_SCOPE.name, None)),
            [Status::Unknown]
        );
        assert_eq!(run(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
