use palisade_domain::{ResourceKind, Severity};

use super::production_requires;
use crate::checks::approvals::has_branch_control;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.environment.production-without-branch-control",
    title: "Production environments should accept deployments only from protected branches",
    severity: Severity::Medium,
    target: ResourceKind::Environment,
    rationale: "Without branch control, a run from any branch, including one a contributor just pushed \
        with no review, can deploy to production: branch policies on main protect nothing if a feature \
        branch may deploy too.",
    remediation: &[
        "Pipelines > Environments > the environment > ⋮ > Approvals and checks > + > Branch control: set \
         Allowed branches to the protected ones (refs/heads/main, refs/heads/release/*), and turn on \
         \"Verify branch protection\".",
        "Or POST {project}/_apis/pipelines/checks/configurations?api-version=7.1-preview.1 with a Task Check \
         running evaluatebranchProtection on resource {\"type\": \"environment\", \"id\": \
             \"{environmentId}\"}.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/approvals#branch-control",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Environment (read): pipelines/environments and \
        pipelines/checks/configurations?resourceType=environment",
    defender: None,
    azsk: &["ADO_Environment_SI_Use_Good_Branch_Hygiene"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    production_requires(
        inv,
        out,
        has_branch_control,
        "only runs from allowed branches may deploy to this production environment",
        "no branch control check: a run from any branch may deploy to this production environment",
    );
}
