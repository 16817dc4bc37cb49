use palisade_domain::{ResourceKind, Severity};

use super::{is_type, listed};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.service-connection.classic-azure",
    title: "Service connections should not use the classic Azure (Service Management) type",
    severity: Severity::Medium,
    target: ResourceKind::ServiceConnection,
    rationale: "A classic Azure connection authenticates with a management certificate or credentials to the \
        whole subscription through Azure Service Management: no Azure RBAC, no resource-group scoping, no \
        workload identity federation. Whoever gets the stored certificate from a pipeline controls the \
        subscription, and ASM is retired, so its activity is poorly audited.",
    remediation: &[
        "Project settings > Service connections > New service connection > Azure Resource Manager: create one \
         with workload identity federation, scoped to the resource group the pipelines deploy to.",
        "Point the pipelines at the new connection, then delete the classic connection and revoke its \
         management certificate in Azure.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Service Connections (read): serviceendpoint/endpoints",
    defender: Some(
        "Azure DevOps Classic Azure service connections shouldn't be used to access a subscription",
    ),
    azsk: &["ADO_ServiceConnection_AuthZ_Dont_Use_Classic_Connections"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for c in inv.service_connections() {
        let outcome = match listed(inv, &c) {
            Err(o) => o,
            Ok(()) if is_type(c.value, "azure") => Outcome::fail(format!(
                "service connection {} is a classic Azure (Service Management) connection",
                c.name
            )),
            Ok(()) if is_type(c.value, "azurerm") => Outcome::pass(format!(
                "service connection {} uses Azure Resource Manager",
                c.name
            )),
            Ok(()) => Outcome::not_applicable(format!(
                "service connection {} is of type {}, not an Azure connection",
                c.name, c.value.endpoint_type
            )),
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
    fn resource_manager_passes() {
        assert_eq!(statuses(&super::CHECK, &conn(|_| {})), [Status::Pass]);
    }

    #[test]
    fn classic_fails() {
        let r = run(&super::CHECK, &conn(|c| c.endpoint_type = "azure".into()));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("conn-s1"), "{}", r[0].1);
    }

    #[test]
    fn other_types_are_not_applicable() {
        assert_eq!(
            statuses(&super::CHECK, &conn(|c| c.endpoint_type = "github".into())),
            [Status::NotApplicable]
        );
    }

    #[test]
    fn stale_connection_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(statuses(&super::CHECK, &stale(conn(|_| {}))), [Status::Unknown]);
    }
}
