use palisade_domain::{ResourceKind, Severity};

use super::listed;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.service-connection.shared-across-projects",
    title: "Service connections should not be shared across projects",
    severity: Severity::Medium,
    target: ResourceKind::ServiceConnection,
    rationale: "A connection shared with other projects can be used by their pipelines, under their (often \
        weaker) settings, permissions and branch policies: a contributor of the least protected project gets \
        the credential's access, and the owning project's approvals and pipeline permissions are no longer the \
        only gate.",
    remediation: &[
        "Project settings > Service connections > the connection > ⋮ > Security > Project permissions: remove \
         the other projects.",
        "Give each project that needs the target its own connection (and identity), scoped to what that project \
         deploys.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/service-endpoints",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Service Connections (read): serviceendpoint/endpoints (serviceEndpointProjectReferences)",
    defender: None,
    azsk: &["ADO_ServiceConnection_SI_Dont_Share_Across_Projects"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for c in inv.service_connections() {
        let v = c.value;
        let outcome = match listed(inv, &c) {
            Err(o) => o,
            Ok(()) if v.project_ids.len() > 1 => Outcome::fail(format!(
                "service connection {} is shared with {} projects",
                c.name,
                v.project_ids.len()
            )),
            Ok(()) if v.is_shared => Outcome::fail(format!(
                "service connection {} is shared with other projects",
                c.name
            )),
            Ok(()) => Outcome::pass(format!(
                "service connection {} is used by its own project only",
                c.name
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
    fn single_project_passes() {
        assert_eq!(statuses(&super::CHECK, &conn(|_| {})), [Status::Pass]);
    }

    #[test]
    fn shared_fails() {
        let r = run(&super::CHECK, &conn(|c| c.project_ids.push("p2".into())));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("2 projects"), "{}", r[0].1);
        assert_eq!(
            statuses(&super::CHECK, &conn(|c| c.is_shared = true)),
            [Status::Fail]
        );
    }

    #[test]
    fn stale_connection_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(statuses(&super::CHECK, &stale(conn(|_| {}))), [Status::Unknown]);
    }
}
