use palisade_domain::{ResourceKind, Severity};

use super::deploy_requires;
use crate::checks::approvals::has_approval;
use crate::{Check, Inventory, Results};

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
    deploy_requires(
        inv,
        out,
        has_approval,
        |c| format!("runs that use service connection {} wait for an approval", c.name),
        |c| {
            format!(
                "service connection {} ({}) has no Approval check: any authorized run uses it unreviewed",
                c.name, c.value.endpoint_type
            )
        },
    );
}
