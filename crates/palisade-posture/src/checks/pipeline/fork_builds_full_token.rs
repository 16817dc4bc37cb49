use palisade_domain::{ResourceKind, Severity};

use super::{JOB_SCOPE_FOR_FORKS, fork_permission};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.fork-builds-full-access-token",
    title: "Builds of forks should not get the same permissions as regular builds",
    severity: Severity::High,
    target: ResourceKind::Pipeline,
    rationale: "A build of a fork runs code a stranger wrote. With \"the same permissions as regular builds\" \
        its job access token can read every repository and write to the project (push code, queue other \
        pipelines, change work items), so a malicious pull request reaches far beyond its own build.",
    remediation: &[
        "Pipelines > the pipeline > Edit > ⋮ > Triggers > Pull request validation: turn off \"Make fork builds \
         have the same permissions as regular builds\".",
        "Enforce it for every pipeline: Project settings > Pipelines > Settings > Limit building pull requests \
         from forked GitHub repositories > Securely build pull requests from forked repositories.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos#forks",
    ],
    permissions: "Build (read): build/definitions with triggers; build/generalsettings of the project",
    defender: None,
    azsk: &["ADO_Build_DP_Dont_Allow_Forked_Builds_Run_As_Regular_Builds"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    fork_permission(
        inv,
        out,
        |f| f.allow_full_access_token,
        &JOB_SCOPE_FOR_FORKS,
        "builds forks with a restricted token",
        "gives builds of forks the same permissions as regular builds",
    );
}
