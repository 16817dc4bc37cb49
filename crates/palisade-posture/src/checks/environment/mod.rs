//! Deployment environments: who may deploy to them and what a run must pass first.

use palisade_domain::CheckConfiguration;

use crate::checks::common::production_like;
use crate::{Check, Inventory, Outcome, Results};

mod open_to_all;
mod production_without_approval;
mod production_without_branch_control;

pub(super) const CHECKS: &[&Check] = &[
    &open_to_all::CHECK,
    &production_without_approval::CHECK,
    &production_without_branch_control::CHECK,
];

/// Requires, of every production-named environment, a configured check that
/// `has` recognizes; other environments are not applicable.
pub(super) fn production_requires(
    inv: &Inventory,
    out: &mut Results,
    has: fn(&[CheckConfiguration]) -> bool,
    pass: &str,
    fail: &str,
) {
    for e in inv.environments() {
        let outcome = if production_like(&e.value.name) {
            match e.value.checks.read() {
                Some(checks) => Outcome::require(has(checks), pass, fail),
                None => Outcome::unknown(
                    e.value
                        .checks
                        .why_missing("the environment's approvals and checks")
                        .unwrap_or_default(),
                ),
            }
        } else {
            Outcome::not_applicable("the environment is not named like a production environment")
        };
        out.push(&e, outcome);
    }
}

#[cfg(test)]
pub(super) mod testing {
    use palisade_domain::{CheckConfiguration, Collected, Resource};

    use crate::fixture::{Estate, PROJECT, environment};

    /// An environment named `name` with `checks` configured on it.
    pub(crate) fn with_environment(name: &str, checks: Collected<Vec<CheckConfiguration>>) -> Estate {
        let mut e = environment(1, PROJECT, name);
        e.checks = checks;
        Estate::new().with(Resource::Environment(e))
    }
}

/// The checks that require an approval or branch control on every
/// production environment.
#[cfg(test)]
mod production_tests {
    use palisade_domain::{CheckConfiguration, Collected};

    use super::testing::with_environment;
    use crate::checks::testing::{expect, statuses};
    use crate::fixture::{Estate, approval, branch_control};
    use crate::{Check, Status};

    type Make = fn(i64) -> CheckConfiguration;

    /// (check, the configured check it requires, another one).
    const CHECKS: [(&Check, Make, Make); 2] = [
        (
            &super::production_without_approval::CHECK,
            approval,
            branch_control,
        ),
        (
            &super::production_without_branch_control::CHECK,
            branch_control,
            approval,
        ),
    ];

    #[test]
    fn production_with_the_required_check_passes() {
        for (check, required, other) in CHECKS {
            for name in ["Production", "production"] {
                let e = with_environment(name, Collected::Read(vec![other(1), required(2)]));
                assert_eq!(statuses(check, &e), [Status::Pass], "{}: {name}", check.id);
            }
        }
    }

    #[test]
    fn production_without_the_required_check_fails() {
        for (check, _, other) in CHECKS {
            for name in ["pre-prod", "production"] {
                let e = with_environment(name, Collected::Read(vec![other(1)]));
                assert_eq!(statuses(check, &e), [Status::Fail], "{}: {name}", check.id);
            }
        }
    }

    #[test]
    fn other_environment_not_applicable() {
        for (check, ..) in CHECKS {
            for name in ["dev", "test"] {
                let e = with_environment(name, Collected::Read(vec![]));
                assert_eq!(
                    statuses(check, &e),
                    [Status::NotApplicable],
                    "{}: {name}",
                    check.id
                );
            }
        }
    }

    #[test]
    fn unread_checks_are_unknown() {
        for (check, ..) in CHECKS {
            let e = with_environment("prod", Collected::NotCollected);
            expect(check, &e, Status::Unknown);
            let e = with_environment("production", Collected::Unreadable("HTTP 403".into()));
            expect(check, &e, Status::Unknown);
            expect(check, &Estate::unreadable(), Status::Unknown);
        }
    }
}
