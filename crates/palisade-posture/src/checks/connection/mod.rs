//! Service connection checks.

use palisade_domain::{CheckConfiguration, Collected, ServiceConnection};

use crate::checks::common::production_like;
use crate::{Check, Inventory, Item, Outcome, Results};

mod classic_azure;
mod open_to_all;
mod secret_based_auth;
mod shared_across_projects;
mod subscription_wide;
mod without_approval;
mod without_branch_control;

pub(super) const CHECKS: &[&Check] = &[
    &open_to_all::CHECK,
    &classic_azure::CHECK,
    &subscription_wide::CHECK,
    &secret_based_auth::CHECK,
    &shared_across_projects::CHECK,
    &without_approval::CHECK,
    &without_branch_control::CHECK,
];

/// `Err(unknown)` when the project's service connection listing could not be
/// read: the stored connection may be stale.
pub(super) fn listed(inv: &Inventory, c: &Item<'_, ServiceConnection>) -> Result<(), Outcome> {
    inv.readable(c.org_id, c.project_id.unwrap_or_default(), "service-connection")
        .map_err(|why| {
            Outcome::unknown(format!(
                "{why}; what is stored about service connection {} may be out of date",
                c.name
            ))
        })
}

pub(super) fn is_type(c: &ServiceConnection, endpoint_type: &str) -> bool {
    c.endpoint_type.eq_ignore_ascii_case(endpoint_type)
}

/// Connections that deploy: to Azure (Resource Manager or classic), to
/// Kubernetes, or named for production.
pub(super) fn deploys(c: &ServiceConnection) -> bool {
    ["azurerm", "azure", "kubernetes"].iter().any(|t| is_type(c, t)) || production_like(&c.name)
}

/// The approvals and checks configured on a deploying connection, or the
/// outcome to report instead: unknown when stale or unread, not applicable
/// for a connection that does not deploy.
pub(super) fn deploy_checks<'a>(
    inv: &Inventory,
    c: &Item<'a, ServiceConnection>,
) -> Result<&'a [CheckConfiguration], Outcome> {
    listed(inv, c)?;
    if !deploys(c.value) {
        return Err(Outcome::not_applicable(format!(
            "service connection {} ({}) does not deploy to Azure or Kubernetes and is not named for production",
            c.name, c.value.endpoint_type
        )));
    }
    match &c.value.checks {
        Collected::Read(checks) => Ok(checks),
        other => Err(Outcome::unknown(
            other
                .why_missing(&format!(
                    "the approvals and checks of service connection {}",
                    c.name
                ))
                .unwrap_or_default(),
        )),
    }
}

/// Requires, of every deploying connection, a configured check that `has`
/// recognizes; `pass` and `fail` give the reasons.
pub(super) fn deploy_requires(
    inv: &Inventory,
    out: &mut Results,
    has: fn(&[CheckConfiguration]) -> bool,
    pass: impl Fn(&Item<'_, ServiceConnection>) -> String,
    fail: impl Fn(&Item<'_, ServiceConnection>) -> String,
) {
    for c in inv.service_connections() {
        let outcome = match deploy_checks(inv, &c) {
            Err(o) => o,
            Ok(checks) => Outcome::require(has(checks), pass(&c), fail(&c)),
        };
        out.push(&c, outcome);
    }
}

#[cfg(test)]
pub(super) mod test_support {
    use palisade_domain::{Resource, ServiceConnection};

    use crate::fixture::{Estate, PROJECT, service_connection};

    /// Connection s1 of the project, changed by `f`.
    pub fn conn(f: impl FnOnce(&mut ServiceConnection)) -> Estate {
        let mut c = service_connection("s1", PROJECT);
        f(&mut c);
        Estate::new().with(Resource::ServiceConnection(c))
    }

    /// The project's service connection listing unread (the stored connection is stale).
    pub fn stale(estate: Estate) -> Estate {
        estate.map(|r| {
            if let Resource::ProjectSettings(s) = r {
                s.unread.insert("service-connection".into(), "HTTP 500".into());
            }
        })
    }
}

/// The checks that require an approval or branch control on every deploying
/// connection.
#[cfg(test)]
mod required_check_tests {
    use palisade_domain::{CheckConfiguration, Collected};

    use crate::checks::testing::{expect, run, statuses};

    use super::test_support::{conn, stale};
    use crate::fixture::{Estate, approval, branch_control};
    use crate::{Check, Status};

    type Make = fn(i64) -> CheckConfiguration;

    /// (check, the configured check it requires, another one).
    const CHECKS: [(&Check, Make, Make); 2] = [
        (&super::without_approval::CHECK, approval, branch_control),
        (&super::without_branch_control::CHECK, branch_control, approval),
    ];

    #[test]
    fn required_check_passes() {
        for (check, required, other) in CHECKS {
            let e = conn(|c| c.checks = Collected::Read(vec![other(1), required(2)]));
            expect(check, &e, Status::Pass);
        }
    }

    #[test]
    fn missing_required_check_fails() {
        for (check, _, other) in CHECKS {
            let r = run(check, &conn(|c| c.checks = Collected::Read(vec![other(1)])));
            assert_eq!(r[0].0, Status::Fail, "{}", check.id);
            assert!(r[0].1.contains("conn-s1"), "{}: {}", check.id, r[0].1);
            // Deploying by type, or named for production whatever its type.
            let k8s = conn(|c| c.endpoint_type = "kubernetes".into());
            assert_eq!(statuses(check, &k8s), [Status::Fail], "{}: kubernetes", check.id);
            let prod = conn(|c| {
                c.endpoint_type = "dockerregistry".into();
                c.name = "acr-prod".into();
            });
            assert_eq!(statuses(check, &prod), [Status::Fail], "{}: production", check.id);
        }
    }

    #[test]
    fn unread_checks_are_unknown() {
        for (check, ..) in CHECKS {
            expect(check, &Estate::unreadable(), Status::Unknown);
            let e = conn(|c| c.checks = Collected::NotCollected);
            expect(check, &e, Status::Unknown);
            let e = conn(|c| c.checks = Collected::Unreadable("HTTP 403".into()));
            let r = run(check, &e);
            assert_eq!(r[0].0, Status::Unknown, "{}", check.id);
            assert!(r[0].1.contains("HTTP 403"), "{}: {}", check.id, r[0].1);
            expect(check, &stale(conn(|_| {})), Status::Unknown);
        }
    }

    #[test]
    fn non_deploying_connection_is_not_applicable() {
        for (check, ..) in CHECKS {
            for t in ["github", "npm"] {
                let e = conn(|c| c.endpoint_type = t.into());
                assert_eq!(statuses(check, &e), [Status::NotApplicable], "{}: {t}", check.id);
            }
        }
    }
}
