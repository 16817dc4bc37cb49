use palisade_domain::{ResourceKind, Severity};

use super::production_requires;
use crate::checks::approvals::has_approval;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.environment.production-without-approval",
    title: "Production environments should require an approval before each deployment",
    severity: Severity::High,
    target: ResourceKind::Environment,
    rationale: "Without an Approval check, any run of an authorized pipeline deploys to production \
        unattended: a malicious change that reaches the pipeline (a compromised dependency, a merged \
        pull request, a queue-time variable) goes live with no person looking at it.",
    remediation: &[
        "Pipelines > Environments > the environment > ⋮ > Approvals and checks > + > Approvals: add the \
         people or group who must approve, and keep \"Allow approvers to approve their own runs\" off.",
        "Or POST {project}/_apis/pipelines/checks/configurations?api-version=7.1-preview.1 with an Approval \
         (type 8c6f20a7-a545-4486-9777-f762fafe0d4d) on resource {\"type\": \"environment\", \"id\": \
             \"{environmentId}\"}.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/approvals",
        "https://learn.microsoft.com/azure/devops/pipelines/process/environments#approvals",
    ],
    permissions: "Environment (read): pipelines/environments and \
        pipelines/checks/configurations?resourceType=environment",
    defender: None,
    azsk: &["ADO_Environment_AuthZ_Enable_PreDeployment_Approval"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    production_requires(
        inv,
        out,
        has_approval,
        "a person must approve each deployment to this production environment",
        "no Approval check: any run of an authorized pipeline deploys to this production environment \
            unattended",
    );
}
