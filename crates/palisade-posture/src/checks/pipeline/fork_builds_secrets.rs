use palisade_domain::{ResourceKind, Severity};

use super::{NO_SECRETS_FOR_FORKS, fork_permission};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.fork-builds-get-secrets",
    title: "Pipelines should not make secrets available to builds of forks",
    severity: Severity::High,
    target: ResourceKind::Pipeline,
    rationale: "Anyone on GitHub can fork a public repository and open a pull request whose code or pipeline \
        YAML prints or sends out environment variables. If builds of forks get secrets, that stranger's build \
        receives the pipeline's secret variables, secure files and service connection credentials.",
    remediation: &[
        "Pipelines > the pipeline > Edit > ⋮ > Triggers > Pull request validation: turn off \"Make secrets \
         available to builds of forks\".",
        "Enforce it for every pipeline: Project settings > Pipelines > Settings > Limit building pull requests \
         from forked GitHub repositories > Securely build pull requests from forked repositories (or the same \
         setting in Organization settings).",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos#forks",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Build (read): build/definitions with triggers; build/generalsettings of the project",
    defender: Some("Azure DevOps pipelines shouldn't have secrets available to builds of forks"),
    azsk: &["ADO_Build_DP_Dont_Make_Secrets_Available_To_Forked_Builds"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    fork_permission(
        inv,
        out,
        |f| f.allow_secrets,
        &NO_SECRETS_FOR_FORKS,
        "builds forks without secrets",
        "makes secrets available to builds of forks",
    );
}
