use palisade_domain::{ResourceKind, Severity};

use super::{fork_protection, require};
use crate::checks::common::Setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.fork-builds-get-secrets",
    title: "Projects that build pull requests from forks should not make secrets available to them",
    severity: Severity::High,
    target: ResourceKind::Project,
    rationale: "Anyone can fork a public GitHub repository and open a pull request: when fork builds may \
        read secrets, the attacker's pull request edits the pipeline or a build script to print or send \
        away secret variables, variable groups and service connection credentials.",
    remediation: &[
        "Project settings > Pipelines > Settings > Triggers: under \"Limit building pull requests from \
         forked GitHub repositories\", choose \"Securely build pull requests from forked repositories\" \
         (or turn fork builds off).",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
         {\"enforceNoAccessToSecretsFromForks\": true}.",
        "Organization settings > Pipelines > Settings holds the same switch for every project.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos",
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
    ],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings",
    defender: None,
    azsk: &["ADO_Project_SI_Apply_Secure_Policy_For_PRBuildTrigger_From_ForkedRepo"],
    evaluate,
};

const SETTING: Setting = Setting {
    name: "enforceNoAccessToSecretsFromForks",
    secure: true,
    pass: "builds of pull requests from forks get no secrets",
    fail: "builds of pull requests from forks may be given secrets: a fork's pull request can read them",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    fork_protection(inv, out, &SETTING, |settings| require(settings, &SETTING));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, with_org_setting, with_project_setting};
    use super::{CHECK, SETTING};
    use crate::Status;
    use crate::fixture::Estate;

    fn project(value: Option<bool>) -> Estate {
        with_org_setting(
            SETTING.name,
            Some(false),
            with_project_setting(SETTING.name, value),
        )
    }

    #[test]
    fn secrets_withheld_from_forks_passes() {
        assert_eq!(run(&CHECK, &project(Some(true))), [Status::Pass]);
        let enforced = with_org_setting(
            SETTING.name,
            Some(true),
            with_project_setting(SETTING.name, Some(false)),
        );
        assert_eq!(run(&CHECK, &enforced), [Status::Pass]);
    }

    #[test]
    fn secrets_available_to_forks_fails() {
        assert_eq!(run(&CHECK, &project(Some(false))), [Status::Fail]);
    }

    #[test]
    fn without_fork_builds_not_applicable() {
        let off = project(Some(false)).map(|r| {
            if let palisade_domain::Resource::ProjectSettings(s) = r {
                s.pipeline_settings.insert("buildsEnabledForForks".into(), false);
            }
        });
        assert_eq!(run(&CHECK, &off), [Status::NotApplicable]);
        let org_off = with_org_setting("buildsEnabledForForks", Some(false), project(Some(false)));
        assert_eq!(run(&CHECK, &org_off), [Status::NotApplicable]);
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        assert_eq!(run(&CHECK, &project(None)), [Status::Unknown]);
        assert_eq!(run(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
