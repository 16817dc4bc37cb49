//! Project visibility and project pipeline settings (`build/generalsettings`),
//! including the protections for builds of pull requests from forks.

use std::collections::BTreeMap;

use crate::checks::common::{Setting, org_enforces};
use crate::{Check, Inventory, Outcome, Results};

mod classic_pipeline_creation_enabled;
mod fork_builds_full_scope;
mod fork_builds_get_secrets;
mod fork_builds_without_comment;
mod job_scope_not_limited;
mod public;
mod referenced_repos_not_protected;
mod release_job_scope_not_limited;
mod settable_variables_unrestricted;
mod shell_task_arguments_unchecked;
mod status_badges_public;

pub(super) const CHECKS: &[&Check] = &[
    &public::CHECK,
    &job_scope_not_limited::CHECK,
    &release_job_scope_not_limited::CHECK,
    &referenced_repos_not_protected::CHECK,
    &settable_variables_unrestricted::CHECK,
    &classic_pipeline_creation_enabled::CHECK,
    &status_badges_public::CHECK,
    &shell_task_arguments_unchecked::CHECK,
    &fork_builds_get_secrets::CHECK,
    &fork_builds_full_scope::CHECK,
    &fork_builds_without_comment::CHECK,
];

/// Whether the project builds pull requests from forks.
const FORK_BUILDS: &str = "buildsEnabledForForks";

/// Judges a fork-build protection of every project that builds pull requests
/// from forks: `enforced` passes when the organization enforces it, and
/// `judge` reads the project's own settings otherwise. Not applicable when
/// fork builds are off (in the project, or for the whole organization).
pub(super) fn fork_protection(
    inv: &Inventory,
    out: &mut Results,
    enforced: &Setting,
    judge: impl Fn(&BTreeMap<String, bool>) -> Outcome,
) {
    for p in inv.projects() {
        let org_forks = inv
            .organization(p.org_id)
            .and_then(|o| o.pipeline_settings.read())
            .and_then(|m| m.get(FORK_BUILDS).copied());
        let outcome = if org_enforces(inv, p.org_id, enforced) {
            Outcome::pass(format!("{} (enforced by the organization)", enforced.pass))
        } else if org_forks == Some(false) {
            Outcome::not_applicable(
                "the organization does not build pull requests from forked \
                repositories",
            )
        } else {
            match inv.readable(p.org_id, &p.value.id, "project-settings") {
                Err(why) => Outcome::unknown(why),
                Ok(()) => match inv.project_settings(p.org_id, &p.value.id) {
                    None => Outcome::unknown("the project's pipeline settings were not collected"),
                    Some(s) => match s.pipeline_settings.get(FORK_BUILDS) {
                        None => Outcome::unknown(format!(
                            "the project's pipeline settings did not include `{FORK_BUILDS}`"
                        )),
                        Some(false) => Outcome::not_applicable(
                            "the project does not build pull requests from forked repositories",
                        ),
                        Some(true) => judge(&s.pipeline_settings),
                    },
                },
            }
        };
        out.push(&p, outcome);
    }
}

/// A flag of the project's settings that must have its safe value.
pub(super) fn require(settings: &BTreeMap<String, bool>, s: &Setting) -> Outcome {
    match settings.get(s.name) {
        Some(&v) if v == s.secure => Outcome::pass(s.pass),
        Some(_) => Outcome::fail(s.fail),
        None => Outcome::unknown(format!(
            "the project's pipeline settings did not include `{}`",
            s.name
        )),
    }
}

#[cfg(test)]
pub(super) mod testing {
    use palisade_domain::{Collected, Resource};

    use crate::checks::testing::set_flag;
    use crate::fixture::Estate;

    /// The fixture project with its pipeline setting `name` set (`None`: absent).
    pub(crate) fn with_project_setting(name: &str, value: Option<bool>) -> Estate {
        Estate::new().map(|r| {
            if let Resource::ProjectSettings(s) = r {
                set_flag(&mut s.pipeline_settings, name, value);
            }
        })
    }

    /// `estate` with the organization's pipeline setting `name` set (`None`: absent).
    pub(crate) fn with_org_setting(name: &str, value: Option<bool>, estate: Estate) -> Estate {
        estate.map(|r| {
            if let Resource::Organization(o) = r
                && let Collected::Read(m) = &mut o.pipeline_settings
            {
                set_flag(m, name, value);
            }
        })
    }
}

/// The project pipeline-setting checks: each reads one flag of the project's
/// settings, which the organization may enforce.
#[cfg(test)]
mod setting_tests {
    use super::testing::{with_org_setting, with_project_setting};
    use crate::checks::common::Setting;
    use crate::checks::org::{
        CLASSIC_PIPELINE_CREATION, JOB_AUTH_SCOPE, JOB_AUTH_SCOPE_FOR_RELEASES, PRIVATE_STATUS_BADGES,
        REFERENCED_REPO_SCOPED_TOKEN, SETTABLE_VARIABLES, SHELL_TASK_ARGUMENTS,
    };
    use crate::checks::testing::{expect, statuses};
    use crate::fixture::Estate;
    use crate::{Check, Status};

    const CHECKS: [(&Check, &Setting); 7] = [
        (&super::job_scope_not_limited::CHECK, &JOB_AUTH_SCOPE),
        (
            &super::release_job_scope_not_limited::CHECK,
            &JOB_AUTH_SCOPE_FOR_RELEASES,
        ),
        (
            &super::referenced_repos_not_protected::CHECK,
            &REFERENCED_REPO_SCOPED_TOKEN,
        ),
        (
            &super::settable_variables_unrestricted::CHECK,
            &SETTABLE_VARIABLES,
        ),
        (
            &super::classic_pipeline_creation_enabled::CHECK,
            &CLASSIC_PIPELINE_CREATION,
        ),
        (&super::status_badges_public::CHECK, &PRIVATE_STATUS_BADGES),
        (
            &super::shell_task_arguments_unchecked::CHECK,
            &SHELL_TASK_ARGUMENTS,
        ),
    ];

    /// The project's flag `project` under the organization's flag `org`.
    fn estate(s: &Setting, org: Option<bool>, project: Option<bool>) -> Estate {
        with_org_setting(s.name, org, with_project_setting(s.name, project))
    }

    #[test]
    fn secure_project_setting_or_organization_enforcement_passes() {
        for (check, s) in CHECKS {
            let own = estate(s, Some(!s.secure), Some(s.secure));
            expect(check, &own, Status::Pass);
            let enforced = estate(s, Some(s.secure), Some(!s.secure));
            assert_eq!(
                statuses(check, &enforced),
                [Status::Pass],
                "{}: enforced",
                check.id
            );
        }
    }

    #[test]
    fn insecure_project_setting_fails() {
        for (check, s) in CHECKS {
            let e = estate(s, Some(!s.secure), Some(!s.secure));
            expect(check, &e, Status::Fail);
        }
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        for (check, s) in CHECKS {
            expect(check, &estate(s, None, None), Status::Unknown);
            expect(check, &Estate::unreadable(), Status::Unknown);
        }
    }
}

/// The fork-build protections: judged only for projects that build pull
/// requests from forks, and passed when the organization enforces them.
#[cfg(test)]
mod fork_tests {
    use palisade_domain::Resource;

    use super::FORK_BUILDS;
    use super::testing::{with_org_setting, with_project_setting};
    use crate::checks::common::Setting;
    use crate::checks::testing::{expect, statuses};
    use crate::fixture::Estate;
    use crate::{Check, Status};

    const CHECKS: [(&Check, &Setting); 3] = [
        (
            &super::fork_builds_full_scope::CHECK,
            &super::fork_builds_full_scope::SETTING,
        ),
        (
            &super::fork_builds_get_secrets::CHECK,
            &super::fork_builds_get_secrets::SETTING,
        ),
        (
            &super::fork_builds_without_comment::CHECK,
            &super::fork_builds_without_comment::SETTING,
        ),
    ];

    /// The project's flag set to `value`, not enforced by the organization.
    fn project(s: &Setting, value: Option<bool>) -> Estate {
        with_org_setting(s.name, Some(false), with_project_setting(s.name, value))
    }

    #[test]
    fn protected_or_enforced_passes() {
        for (check, s) in CHECKS {
            expect(check, &project(s, Some(s.secure)), Status::Pass);
            let enforced = with_org_setting(
                s.name,
                Some(s.secure),
                with_project_setting(s.name, Some(!s.secure)),
            );
            assert_eq!(
                statuses(check, &enforced),
                [Status::Pass],
                "{}: enforced",
                check.id
            );
        }
    }

    #[test]
    fn unprotected_fails() {
        for (check, s) in CHECKS {
            expect(check, &project(s, Some(!s.secure)), Status::Fail);
        }
    }

    #[test]
    fn without_fork_builds_not_applicable() {
        for (check, s) in CHECKS {
            let off = project(s, Some(!s.secure)).map(|r| {
                if let Resource::ProjectSettings(p) = r {
                    p.pipeline_settings.insert(FORK_BUILDS.into(), false);
                }
            });
            assert_eq!(
                statuses(check, &off),
                [Status::NotApplicable],
                "{}: project",
                check.id
            );
            let org_off = with_org_setting(FORK_BUILDS, Some(false), project(s, Some(!s.secure)));
            assert_eq!(
                statuses(check, &org_off),
                [Status::NotApplicable],
                "{}: organization",
                check.id
            );
        }
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        for (check, s) in CHECKS {
            expect(check, &project(s, None), Status::Unknown);
            expect(check, &Estate::unreadable(), Status::Unknown);
        }
    }
}
