use palisade_domain::{ResourceKind, Severity};

use super::deploy_checks;
use crate::checks::approvals::has_branch_control;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.service-connection.without-branch-control",
    title: "Deployment service connections should only be usable from protected branches",
    severity: Severity::Medium,
    target: ResourceKind::ServiceConnection,
    rationale: "Pipeline permissions say which pipelines may use a connection, not which branch they run from: \
        a contributor pushes a branch that changes the authorized pipeline's YAML (no review, no branch policy) \
        and runs it, and the job gets the connection's credential. Branch control limits use to runs from \
        protected branches such as main.",
    remediation: &[
        "Project settings > Service connections > the connection > ⋮ > Approvals and checks > + > Branch \
         control: list the allowed branches (for example refs/heads/main), turn on \"Verify branch \
         protection\" and leave \"Allow unknown status branches\" off.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/approvals#branch-control",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Service Connections (read) and Build (read): pipelines/checks/configurations?resourceType=endpoint",
    defender: None,
    azsk: &["ADO_ServiceConnection_AuthZ_Enable_Branch_Control"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for c in inv.service_connections() {
        let outcome = match deploy_checks(inv, &c) {
            Err(o) => o,
            Ok(checks) => Outcome::require(
                has_branch_control(checks),
                format!(
                    "service connection {} may only be used by runs from allowed branches",
                    c.name
                ),
                format!(
                    "service connection {} ({}) has no branch control check: a run from any branch may use it",
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
    fn branch_control_passes() {
        let e = conn(|c| c.checks = Collected::Read(vec![approval(1), branch_control(2)]));
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
    }

    #[test]
    fn no_branch_control_fails() {
        let r = run(
            &super::CHECK,
            &conn(|c| c.checks = Collected::Read(vec![approval(1)])),
        );
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("conn-s1"), "{}", r[0].1);
        let k8s = conn(|c| c.endpoint_type = "kubernetes".into());
        assert_eq!(statuses(&super::CHECK, &k8s), [Status::Fail]);
    }

    #[test]
    fn unread_checks_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let e = conn(|c| c.checks = Collected::Unreadable("HTTP 403".into()));
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Unknown);
        assert!(r[0].1.contains("HTTP 403"), "{}", r[0].1);
    }

    #[test]
    fn non_deploying_connection_is_not_applicable() {
        let e = conn(|c| c.endpoint_type = "npm".into());
        assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
    }
}
