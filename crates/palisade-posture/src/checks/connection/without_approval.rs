use palisade_domain::{ResourceKind, Severity};

use super::deploy_checks;
use crate::checks::approvals::has_approval;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.service-connection.without-approval",
    title: "Deployment service connections should require an approval",
    severity: Severity::Medium,
    target: ResourceKind::ServiceConnection,
    rationale: "Without an Approval check any authorized pipeline run uses the connection at once: a change \
        pushed to a branch, or a pipeline edited to run a different script, deploys to (or reads from) Azure, \
        Kubernetes or production before a person sees it.",
    remediation: &[
        "Project settings > Service connections > the connection > ⋮ > Approvals and checks > + > Approvals: add \
         the approvers (a group that owns the target), at least one approval, and leave \"Allow approvers to \
         approve their own runs\" off.",
        "Add branch control too (ado.service-connection.without-branch-control) so runs from unprotected \
         branches never reach the approval.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/approvals#approvals",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Service Connections (read) and Build (read): pipelines/checks/configurations?resourceType=endpoint",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for c in inv.service_connections() {
        let outcome = match deploy_checks(inv, &c) {
            Err(o) => o,
            Ok(checks) => Outcome::require(
                has_approval(checks),
                format!("runs that use service connection {} wait for an approval", c.name),
                format!(
                    "service connection {} ({}) has no Approval check: any authorized run uses it unreviewed",
                    c.name, c.value.endpoint_type
                ),
            ),
        };
        out.push(&c, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Collected;

    use super::super::test_support::*;
    use crate::Status;
    use crate::fixture::*;

    #[test]
    fn approval_passes() {
        let e = conn(|c| c.checks = Collected::Read(vec![branch_control(1), approval(2)]));
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
    }

    #[test]
    fn no_approval_fails() {
        let r = run(
            &super::CHECK,
            &conn(|c| c.checks = Collected::Read(vec![branch_control(1)])),
        );
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("conn-s1"), "{}", r[0].1);
        // Named for production, whatever its type.
        let prod = conn(|c| {
            c.endpoint_type = "dockerregistry".into();
            c.name = "acr-prod".into();
        });
        assert_eq!(statuses(&super::CHECK, &prod), [Status::Fail]);
    }

    #[test]
    fn unread_checks_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(
            statuses(&super::CHECK, &conn(|c| c.checks = Collected::NotCollected)),
            [Status::Unknown]
        );
        assert_eq!(statuses(&super::CHECK, &stale(conn(|_| {}))), [Status::Unknown]);
    }

    #[test]
    fn non_deploying_connection_is_not_applicable() {
        let e = conn(|c| c.endpoint_type = "github".into());
        assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
    }
}
