//! Pipeline (build definition) checks.
//!
//! Several pipeline settings have a project or organization setting that
//! overrides them (`build/generalsettings`): whether one is enforced is
//! decided once, here ([`enforced`]).

use palisade_domain::{ForkSettings, Pipeline};

use crate::checks::common::{Setting, org_enforces};
use crate::{Check, Inventory, Item, Outcome, Results};

mod classic;
mod collection_job_scope;
mod external_repository;
mod fork_builds_full_token;
mod fork_builds_on_self_hosted;
mod fork_builds_secrets;
mod fork_builds_without_comment;
mod plaintext_secret_names;
mod queue_time_variables;

pub(super) const CHECKS: &[&Check] = &[
    &fork_builds_secrets::CHECK,
    &fork_builds_full_token::CHECK,
    &fork_builds_without_comment::CHECK,
    &collection_job_scope::CHECK,
    &plaintext_secret_names::CHECK,
    &queue_time_variables::CHECK,
    &classic::CHECK,
    &external_repository::CHECK,
    &fork_builds_on_self_hosted::CHECK,
];

const fn flag(name: &'static str, secure: bool, pass: &'static str, fail: &'static str) -> Setting {
    Setting {
        name,
        secure,
        pass,
        fail,
    }
}

/// "Limit building pull requests from forked GitHub repositories" set to
/// "Do not build pull requests from forks".
pub(super) static FORKS_OFF: Setting = flag(
    "buildsEnabledForForks",
    false,
    "pull requests from forks are not built",
    "pull requests from forks may be built",
);
pub(super) static NO_SECRETS_FOR_FORKS: Setting = flag(
    "enforceNoAccessToSecretsFromForks",
    true,
    "builds of forks get no secrets",
    "pipelines may give secrets to builds of forks",
);
pub(super) static JOB_SCOPE_FOR_FORKS: Setting = flag(
    "enforceJobAuthScopeForForks",
    true,
    "builds of forks get a restricted token",
    "pipelines may give builds of forks a regular token",
);
pub(super) static COMMENT_REQUIRED: Setting = flag(
    "isCommentRequiredForPullRequest",
    true,
    "a team member must comment before a fork's pull request is built",
    "fork pull requests may be built without a team member's comment",
);
pub(super) static JOB_SCOPE: Setting = flag(
    "enforceJobAuthScope",
    true,
    "job tokens are scoped to the project",
    "pipelines may use a collection-scoped job token",
);
pub(super) static SETTABLE_VAR: Setting = flag(
    "enforceSettableVar",
    true,
    "only variables marked settable can be set at queue time",
    "any variable can be set at queue time",
);

/// Whether the organization or the pipeline's project enforces a setting
/// that overrides the pipeline's own.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Enforced {
    /// Enforced: by whom, for the reason ("the organization's pipeline setting `x`").
    By(String),
    No,
    /// Could not tell: why.
    Unknown(String),
}

/// Whether `s` is enforced for the project's pipelines: by the organization
/// (its settings apply to every project) or by the project.
pub(super) fn enforced(inv: &Inventory, org_id: &str, project_id: &str, s: &Setting) -> Enforced {
    if org_enforces(inv, org_id, s) {
        return Enforced::By(format!(
            "the organization's pipeline setting `{}` overrides it",
            s.name
        ));
    }
    if let Err(why) = inv.readable(org_id, project_id, "project-settings") {
        return Enforced::Unknown(format!("whether the project overrides it is unknown: {why}"));
    }
    let Some(settings) = inv.project_settings(org_id, project_id) else {
        return Enforced::Unknown("the project's pipeline settings were not collected".into());
    };
    match settings.pipeline_settings.get(s.name) {
        Some(&v) if v == s.secure => Enforced::By(format!(
            "the project's pipeline setting `{}` overrides it",
            s.name
        )),
        Some(_) => Enforced::No,
        None => Enforced::Unknown(format!(
            "the project's pipeline settings did not include `{}`",
            s.name
        )),
    }
}

/// `Err(unknown)` when the project's pipeline listing could not be read: the
/// stored definition may be stale.
pub(super) fn listed(inv: &Inventory, p: &Item<'_, Pipeline>) -> Result<(), Outcome> {
    inv.readable(p.org_id, p.project_id.unwrap_or_default(), "pipeline")
        .map_err(|why| {
            Outcome::unknown(format!(
                "{why}; what is stored about pipeline {} may be out of date",
                p.name
            ))
        })
}

/// The pipeline's fork build settings when it builds pull requests from
/// forks, or the outcome to report instead: unknown for a stale pipeline,
/// not applicable when neither the pipeline nor its project builds forks.
pub(super) fn fork_builds<'a>(inv: &Inventory, p: &Item<'a, Pipeline>) -> Result<&'a ForkSettings, Outcome> {
    listed(inv, p)?;
    let forks = match &p.value.fork_builds {
        Some(f) if f.enabled => f,
        _ => {
            return Err(Outcome::not_applicable(format!(
                "pipeline {} does not build pull requests from forks",
                p.name
            )));
        }
    };
    if let Enforced::By(who) = enforced(inv, p.org_id, p.project_id.unwrap_or_default(), &FORKS_OFF) {
        return Err(Outcome::not_applicable(format!(
            "pipeline {} would build pull requests from forks, but {who}: {}",
            p.name, FORKS_OFF.pass
        )));
    }
    Ok(forks)
}

/// Judges an unsafe pipeline setting `what` that `s` overrides.
pub(super) fn unless_enforced(inv: &Inventory, p: &Item<'_, Pipeline>, s: &Setting, what: &str) -> Outcome {
    match enforced(inv, p.org_id, p.project_id.unwrap_or_default(), s) {
        Enforced::By(who) => Outcome::pass(format!("pipeline {} {what}, but {who}: {}", p.name, s.pass)),
        Enforced::No => Outcome::fail(format!("pipeline {} {what}", p.name)),
        Enforced::Unknown(why) => Outcome::unknown(format!("pipeline {} {what}; {why}", p.name)),
    }
}

/// Judges a permission a pipeline may grant builds of forks (`grants` reads
/// it from the fork settings): passes when the pipeline withholds it
/// ("pipeline p1 {withheld}"), and otherwise unless `s` is enforced
/// ("pipeline p1 {granted}").
pub(super) fn fork_permission(
    inv: &Inventory,
    out: &mut Results,
    grants: fn(&ForkSettings) -> bool,
    s: &Setting,
    withheld: &str,
    granted: &str,
) {
    for p in inv.pipelines() {
        let outcome = match fork_builds(inv, &p) {
            Err(o) => o,
            Ok(f) if !grants(f) => Outcome::pass(format!("pipeline {} {withheld}", p.name)),
            Ok(_) => unless_enforced(inv, &p, s, granted),
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
pub(super) mod test_support {
    use palisade_domain::{Collected, ForkSettings, Pipeline, Resource};

    use crate::fixture::{Estate, PROJECT, pipeline};

    /// Pipeline 1 of the project, changed by `f`.
    pub fn pipe(f: impl FnOnce(&mut Pipeline)) -> Estate {
        let mut p = pipeline(1, PROJECT);
        f(&mut p);
        Estate::new().with(Resource::Pipeline(p))
    }

    pub fn forks(allow_secrets: bool, full_token: bool, comment: Option<bool>) -> ForkSettings {
        ForkSettings {
            enabled: true,
            allow_secrets,
            allow_full_access_token: full_token,
            comment_required: comment,
        }
    }

    /// Sets a pipeline setting in the organization and the project.
    pub fn setting(estate: Estate, name: &'static str, value: bool) -> Estate {
        estate.map(move |r| match r {
            Resource::Organization(o) => {
                if let Collected::Read(m) = &mut o.pipeline_settings {
                    m.insert(name.into(), value);
                }
            }
            Resource::ProjectSettings(s) => {
                s.pipeline_settings.insert(name.into(), value);
            }
            _ => {}
        })
    }

    /// Sets a pipeline setting in the project only.
    pub fn project_setting(estate: Estate, name: &'static str, value: bool) -> Estate {
        estate.map(move |r| {
            if let Resource::ProjectSettings(s) = r {
                s.pipeline_settings.insert(name.into(), value);
            }
        })
    }

    /// The organization's and project's pipeline settings unreadable.
    pub fn settings_unreadable(estate: Estate) -> Estate {
        estate.map(|r| match r {
            Resource::Organization(o) => o.pipeline_settings = Collected::Unreadable("HTTP 401".into()),
            Resource::ProjectSettings(s) => {
                s.pipeline_settings.clear();
                s.unread.insert("project-settings".into(), "HTTP 401".into());
            }
            _ => {}
        })
    }

    /// The project's pipeline listing unread (the stored pipeline is stale).
    pub fn stale(estate: Estate) -> Estate {
        estate.map(|r| {
            if let Resource::ProjectSettings(s) = r {
                s.unread.insert("pipeline".into(), "HTTP 500".into());
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::fixture::{ORG, PROJECT};

    #[test]
    fn organization_then_project_enforce() {
        let e = pipe(|_| {});
        assert!(
            matches!(enforced(&e.inventory(), ORG, PROJECT, &JOB_SCOPE), Enforced::By(w) if w.contains("organization"))
        );
        let e = project_setting(
            setting(pipe(|_| {}), "enforceJobAuthScope", false),
            "enforceJobAuthScope",
            true,
        );
        assert!(
            matches!(enforced(&e.inventory(), ORG, PROJECT, &JOB_SCOPE), Enforced::By(w) if w.contains("project"))
        );
        let e = setting(pipe(|_| {}), "enforceJobAuthScope", false);
        assert_eq!(enforced(&e.inventory(), ORG, PROJECT, &JOB_SCOPE), Enforced::No);
        let e = settings_unreadable(pipe(|_| {}));
        assert!(matches!(
            enforced(&e.inventory(), ORG, PROJECT, &JOB_SCOPE),
            Enforced::Unknown(_)
        ));
    }
}

/// The permissions a pipeline may give builds of forks (secrets, a regular
/// token): withheld by the pipeline, or its project or organization enforces
/// withholding them.
#[cfg(test)]
mod fork_permission_tests {
    use palisade_domain::ForkSettings;

    use super::test_support::{forks, pipe, project_setting, setting, settings_unreadable, stale};
    use super::{JOB_SCOPE_FOR_FORKS, NO_SECRETS_FOR_FORKS, Setting};
    use crate::checks::testing::{expect, run, statuses};
    use crate::fixture::Estate;
    use crate::{Check, Status};

    /// Fork settings that grant the permission, or not.
    type Grants = fn(bool) -> ForkSettings;

    /// (check, the setting that enforces withholding the permission, fork
    /// settings granting it or not).
    static CHECKS: [(&Check, &Setting, Grants); 2] = [
        (
            &super::fork_builds_full_token::CHECK,
            &JOB_SCOPE_FOR_FORKS,
            |grant| forks(false, grant, None),
        ),
        (
            &super::fork_builds_secrets::CHECK,
            &NO_SECRETS_FOR_FORKS,
            |grant| forks(grant, false, Some(true)),
        ),
    ];

    fn with(grants: ForkSettings) -> Estate {
        pipe(|p| p.fork_builds = Some(grants))
    }

    #[test]
    fn withheld_or_enforced_passes() {
        for (check, s, grants) in &CHECKS {
            let e = setting(with(grants(false)), s.name, false);
            expect(check, &e, Status::Pass);
            // The organization enforces it (the fixture's default).
            let r = run(check, &with(grants(true)));
            assert_eq!(r[0].0, Status::Pass, "{}", check.id);
            assert!(r[0].1.contains("organization"), "{}: {}", check.id, r[0].1);
            let e = project_setting(setting(with(grants(true)), s.name, false), s.name, true);
            let r = run(check, &e);
            assert_eq!(r[0].0, Status::Pass, "{}", check.id);
            assert!(r[0].1.contains("project"), "{}: {}", check.id, r[0].1);
        }
    }

    #[test]
    fn granted_fails() {
        for (check, s, grants) in &CHECKS {
            let r = run(check, &setting(with(grants(true)), s.name, false));
            assert_eq!(r[0].0, Status::Fail, "{}", check.id);
            assert!(r[0].1.contains("pipeline-1"), "{}: {}", check.id, r[0].1);
        }
    }

    #[test]
    fn unread_settings_or_stale_pipeline_are_unknown() {
        for (check, _, grants) in &CHECKS {
            expect(check, &Estate::unreadable(), Status::Unknown);
            let e = settings_unreadable(with(grants(true)));
            expect(check, &e, Status::Unknown);
            let e = stale(with(grants(false)));
            expect(check, &e, Status::Unknown);
        }
    }

    #[test]
    fn no_fork_builds_is_not_applicable() {
        for (check, s, grants) in &CHECKS {
            expect(check, &pipe(|_| {}), Status::NotApplicable);
            let mut off = grants(true);
            off.enabled = false;
            assert_eq!(
                statuses(check, &with(off)),
                [Status::NotApplicable],
                "{}: disabled",
                check.id
            );
            // The project does not build forks at all.
            let e = project_setting(
                setting(with(grants(true)), s.name, false),
                "buildsEnabledForForks",
                false,
            );
            assert_eq!(
                statuses(check, &e),
                [Status::NotApplicable],
                "{}: project",
                check.id
            );
        }
    }
}
