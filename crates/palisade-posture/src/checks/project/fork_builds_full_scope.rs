use palisade_domain::{ResourceKind, Severity};

use super::{fork_protection, require};
use crate::checks::common::Setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.fork-builds-full-scope",
    title: "Projects that build pull requests from forks should limit the job token of those builds",
    severity: Severity::High,
    target: ResourceKind::Project,
    rationale: "A build of a fork's pull request runs code the attacker wrote: with a regular job token it \
        can push to the project's repositories, queue other pipelines and update work items as the build \
        service, turning an anonymous pull request into a write to your code.",
    remediation: &[
        "Project settings > Pipelines > Settings > Triggers: under \"Limit building pull requests from \
         forked GitHub repositories\", choose \"Securely build pull requests from forked repositories\" \
         (or, with customized rules, turn off \"Make fork builds have the same permissions as regular \
         builds\").",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
         {\"enforceJobAuthScopeForForks\": true}.",
        "Organization settings > Pipelines > Settings holds the same switch for every project.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos",
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
    ],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings",
    defender: None,
    azsk: &["ADO_Project_SI_Apply_Secure_Policy_For_PRBuildTrigger_From_ForkedRepo"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "enforceJobAuthScopeForForks",
    secure: true,
    pass: "builds of pull requests from forks get a read-only, limited job token",
    fail: "builds of pull requests from forks may run with the same token as regular builds",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    fork_protection(inv, out, &SETTING, |settings| require(settings, &SETTING));
}
