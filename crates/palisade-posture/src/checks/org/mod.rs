//! Organization policies and organization-level pipeline settings.
//!
//! The pipeline settings are the same flags as a project's
//! `build/generalsettings`: their [`Setting`]s live here and the project
//! checks reuse them.

use crate::Check;
use crate::checks::common::Setting;

mod audit_log_off;
mod classic_pipeline_creation_enabled;
mod conditional_access_off;
mod external_package_protection_off;
mod guest_access_allowed;
mod job_scope_not_limited;
mod oauth_apps_allowed;
mod public_projects_allowed;
mod referenced_repos_not_protected;
mod release_job_scope_not_limited;
mod request_access_on;
mod settable_variables_unrestricted;
mod shell_task_arguments_unchecked;
mod ssh_allowed;
mod status_badges_public;
mod team_admin_invites;

pub(super) const CHECKS: &[&Check] = &[
    &public_projects_allowed::CHECK,
    &guest_access_allowed::CHECK,
    &oauth_apps_allowed::CHECK,
    &ssh_allowed::CHECK,
    &conditional_access_off::CHECK,
    &team_admin_invites::CHECK,
    &request_access_on::CHECK,
    &external_package_protection_off::CHECK,
    &audit_log_off::CHECK,
    &job_scope_not_limited::CHECK,
    &release_job_scope_not_limited::CHECK,
    &referenced_repos_not_protected::CHECK,
    &settable_variables_unrestricted::CHECK,
    &classic_pipeline_creation_enabled::CHECK,
    &status_badges_public::CHECK,
    &shell_task_arguments_unchecked::CHECK,
];

pub(crate) const JOB_AUTH_SCOPE: Setting = Setting {
    name: "enforceJobAuthScope",
    secure: true,
    pass: "job access tokens of non-release pipelines are scoped to the pipeline's own project",
    fail: "job access tokens of non-release pipelines are scoped to the whole collection: a pipeline \
        can read and push to the repositories of every project",
};

pub(crate) const JOB_AUTH_SCOPE_FOR_RELEASES: Setting = Setting {
    name: "enforceJobAuthScopeForReleases",
    secure: true,
    pass: "job access tokens of classic release pipelines are scoped to the release's own project",
    fail: "job access tokens of classic release pipelines are scoped to the whole collection: a \
        release can reach the repositories and pipelines of every project",
};

pub(crate) const REFERENCED_REPO_SCOPED_TOKEN: Setting = Setting {
    name: "enforceReferencedRepoScopedToken",
    secure: true,
    pass: "YAML pipeline tokens reach only the repositories the pipeline references",
    fail: "\"Protect access to repositories in YAML pipelines\" is off: a YAML pipeline's token can \
        read every repository in scope, not only those it checks out",
};

pub(crate) const SETTABLE_VARIABLES: Setting = Setting {
    name: "enforceSettableVar",
    secure: true,
    pass: "only variables marked settable at queue time can be set when a run is queued",
    fail: "anyone who can queue a run can set any variable, overriding values the pipeline relies on",
};

pub(crate) const CLASSIC_PIPELINE_CREATION: Setting = Setting {
    name: "disableClassicPipelineCreation",
    secure: true,
    pass: "new classic build and release pipelines cannot be created",
    fail: "classic build and release pipelines can still be created: they are edited in the web UI, \
        outside code review and version control",
};

pub(crate) const PRIVATE_STATUS_BADGES: Setting = Setting {
    name: "statusBadgesArePrivate",
    secure: true,
    pass: "status badges need a signed-in user",
    fail: "status badges are served anonymously: anyone with the URL learns pipeline and branch names \
        and build state",
};

pub(crate) const SHELL_TASK_ARGUMENTS: Setting = Setting {
    name: "enableShellTasksArgsSanitizing",
    secure: true,
    pass: "arguments of the built-in shell tasks are validated against command injection",
    fail: "shell task argument validation is off: a variable set at queue time or by a pull request \
        can inject commands into Bash, PowerShell and other script tasks",
};

#[cfg(test)]
pub(super) mod testing {
    use palisade_domain::{Collected, Resource};

    use crate::checks::testing::set_flag;
    use crate::fixture::Estate;

    /// The organization with policy `name` set to `value` (`None`: absent).
    pub(crate) fn with_policy(name: &str, value: Option<bool>) -> Estate {
        Estate::new().map(|r| {
            if let Resource::Organization(o) = r
                && let Collected::Read(m) = &mut o.policies
            {
                set_flag(m, name, value);
            }
        })
    }

    /// The organization with pipeline setting `name` set to `value` (`None`: absent).
    pub(crate) fn with_setting(name: &str, value: Option<bool>) -> Estate {
        Estate::new().map(|r| {
            if let Resource::Organization(o) = r
                && let Collected::Read(m) = &mut o.pipeline_settings
            {
                set_flag(m, name, value);
            }
        })
    }
}

/// Every organization check reads one flag, of the organization's policies
/// or of its pipeline settings.
#[cfg(test)]
mod setting_tests {
    use super::testing::{with_policy, with_setting};
    use super::*;
    use crate::Status;
    use crate::checks::testing::expect;
    use crate::fixture::Estate;

    /// The organization with the flag set (`None`: absent).
    type With = fn(&str, Option<bool>) -> Estate;

    const CHECKS: [(&Check, &Setting, With); 16] = [
        (
            &public_projects_allowed::CHECK,
            &public_projects_allowed::SETTING,
            with_policy,
        ),
        (
            &guest_access_allowed::CHECK,
            &guest_access_allowed::SETTING,
            with_policy,
        ),
        (
            &oauth_apps_allowed::CHECK,
            &oauth_apps_allowed::SETTING,
            with_policy,
        ),
        (&ssh_allowed::CHECK, &ssh_allowed::SETTING, with_policy),
        (
            &conditional_access_off::CHECK,
            &conditional_access_off::SETTING,
            with_policy,
        ),
        (
            &team_admin_invites::CHECK,
            &team_admin_invites::SETTING,
            with_policy,
        ),
        (
            &request_access_on::CHECK,
            &request_access_on::SETTING,
            with_policy,
        ),
        (
            &external_package_protection_off::CHECK,
            &external_package_protection_off::SETTING,
            with_policy,
        ),
        (&audit_log_off::CHECK, &audit_log_off::SETTING, with_policy),
        (&job_scope_not_limited::CHECK, &JOB_AUTH_SCOPE, with_setting),
        (
            &release_job_scope_not_limited::CHECK,
            &JOB_AUTH_SCOPE_FOR_RELEASES,
            with_setting,
        ),
        (
            &referenced_repos_not_protected::CHECK,
            &REFERENCED_REPO_SCOPED_TOKEN,
            with_setting,
        ),
        (
            &settable_variables_unrestricted::CHECK,
            &SETTABLE_VARIABLES,
            with_setting,
        ),
        (
            &classic_pipeline_creation_enabled::CHECK,
            &CLASSIC_PIPELINE_CREATION,
            with_setting,
        ),
        (&status_badges_public::CHECK, &PRIVATE_STATUS_BADGES, with_setting),
        (
            &shell_task_arguments_unchecked::CHECK,
            &SHELL_TASK_ARGUMENTS,
            with_setting,
        ),
    ];

    #[test]
    fn every_organization_check_is_in_the_table() {
        assert_eq!(CHECKS.len(), super::CHECKS.len());
        for c in super::CHECKS {
            assert!(CHECKS.iter().any(|(t, ..)| t.id == c.id), "{}", c.id);
        }
    }

    #[test]
    fn secure_value_passes() {
        for (check, s, with) in CHECKS {
            expect(check, &with(s.name, Some(s.secure)), Status::Pass);
        }
    }

    #[test]
    fn insecure_value_fails() {
        for (check, s, with) in CHECKS {
            expect(check, &with(s.name, Some(!s.secure)), Status::Fail);
        }
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        for (check, s, with) in CHECKS {
            expect(check, &with(s.name, None), Status::Unknown);
            expect(check, &Estate::unreadable(), Status::Unknown);
        }
    }
}
