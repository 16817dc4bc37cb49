//! Service connection checks.

use palisade_domain::{CheckConfiguration, Collected, ServiceConnection};

use crate::checks::common::production_like;
use crate::{Check, Inventory, Item, Outcome};

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

#[cfg(test)]
pub(super) mod test_support {
    use palisade_domain::{Resource, ServiceConnection};

    use crate::fixture::{Estate, PROJECT, service_connection};
    use crate::{Check, Status, evaluate_checks};

    pub fn run(check: &'static Check, estate: &Estate) -> Vec<(Status, String)> {
        evaluate_checks(&estate.inventory(), &[check])
            .into_iter()
            .map(|r| (r.status, r.reason))
            .collect()
    }

    pub fn statuses(check: &'static Check, estate: &Estate) -> Vec<Status> {
        run(check, estate).into_iter().map(|(s, _)| s).collect()
    }

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
