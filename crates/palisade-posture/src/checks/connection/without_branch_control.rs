use palisade_domain::{ResourceKind, Severity};

use super::deploy_requires;
use crate::checks::approvals::has_branch_control;
use crate::{Check, Inventory, Results};

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
    deploy_requires(
        inv,
        out,
        has_branch_control,
        |c| {
            format!(
                "service connection {} may only be used by runs from allowed branches",
                c.name
            )
        },
        |c| {
            format!(
                "service connection {} ({}) has no branch control check: a run from any branch may use it",
                c.name, c.value.endpoint_type
            )
        },
    );
}
