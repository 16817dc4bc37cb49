use palisade_domain::{ResourceKind, Severity};

use super::{is_type, listed};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.service-connection.subscription-wide",
    title: "Azure Resource Manager service connections should be scoped to a resource group",
    severity: Severity::High,
    target: ResourceKind::ServiceConnection,
    rationale: "A connection scoped to a subscription or management group gives every pipeline that may use it \
        (and anyone who can change such a pipeline) the identity's role on everything under that scope: one \
        compromised build reaches every resource group, key vault and database, not just what the pipeline \
        deploys.",
    remediation: &[
        "Project settings > Service connections > New service connection > Azure Resource Manager > Workload \
         identity federation: choose Scope level Subscription and pick the Resource group the pipelines deploy \
         to (one connection per resource group or environment).",
        "In Azure, give the connection's identity a role on that resource group only and remove its \
         subscription- or management-group-level role assignments.",
        "Move the pipelines to the new connection and delete the broad one.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Service Connections (read): serviceendpoint/endpoints?includeDetails=true",
    defender: None,
    azsk: &["ADO_ServiceConnection_AuthZ_Grant_Least_Privilege_Access"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for c in inv.service_connections() {
        let v = c.value;
        let outcome = match listed(inv, &c) {
            Err(o) => o,
            Ok(()) if !is_type(v, "azurerm") => Outcome::not_applicable(format!(
                "service connection {} is of type {}, not Azure Resource Manager",
                c.name, v.endpoint_type
            )),
            Ok(())
                if v.scope_level
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case("ManagementGroup")) =>
            {
                Outcome::fail(format!(
                    "service connection {} is scoped to a management group{}",
                    c.name,
                    v.azure_scope
                        .as_deref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default()
                ))
            }
            Ok(()) => match v.azure_scope.as_deref() {
                None => Outcome::unknown(format!(
                    "the details of service connection {} did not include the Azure scope it grants",
                    c.name
                )),
                Some(s) if s.to_ascii_lowercase().contains("/resourcegroups/") => {
                    Outcome::pass(format!("service connection {} is scoped to {s}", c.name))
                }
                Some(s) if s.to_ascii_lowercase().contains("/managementgroups/") => Outcome::fail(format!(
                    "service connection {} is scoped to a management group ({s})",
                    c.name
                )),
                Some(s) => Outcome::fail(format!(
                    "service connection {} is scoped to the whole subscription ({s}), not a resource group",
                    c.name
                )),
            },
        };
        out.push(&c, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::Estate;

    #[test]
    fn resource_group_scope_passes() {
        assert_eq!(statuses(&super::CHECK, &conn(|_| {})), [Status::Pass]);
    }

    #[test]
    fn subscription_or_management_group_scope_fails() {
        let r = run(
            &super::CHECK,
            &conn(|c| c.azure_scope = Some("/subscriptions/0000".into())),
        );
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("whole subscription"), "{}", r[0].1);
        let mg = conn(|c| {
            c.scope_level = Some("ManagementGroup".into());
            c.azure_scope = Some("/providers/Microsoft.Management/managementGroups/root".into());
        });
        assert_eq!(statuses(&super::CHECK, &mg), [Status::Fail]);
    }

    #[test]
    fn missing_scope_or_stale_connection_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(
            statuses(&super::CHECK, &conn(|c| c.azure_scope = None)),
            [Status::Unknown]
        );
        assert_eq!(statuses(&super::CHECK, &stale(conn(|_| {}))), [Status::Unknown]);
    }

    #[test]
    fn other_types_are_not_applicable() {
        assert_eq!(
            statuses(&super::CHECK, &conn(|c| c.endpoint_type = "github".into())),
            [Status::NotApplicable]
        );
    }
}
