use palisade_domain::{ResourceKind, Severity};

use super::{fork_protection, require};
use crate::checks::common::Setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.fork-builds-get-secrets",
    title: "Projects that build pull requests from forks should not make secrets available to them",
    severity: Severity::High,
    target: ResourceKind::Project,
    rationale: "Anyone can fork a public GitHub repository and open a pull request: when fork builds may \
        read secrets, the attacker's pull request edits the pipeline or a build script to print or send \
        away secret variables, variable groups and service connection credentials.",
    remediation: &[
        "Project settings > Pipelines > Settings > Triggers: under \"Limit building pull requests from \
         forked GitHub repositories\", choose \"Securely build pull requests from forked repositories\" \
         (or turn fork builds off).",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
         {\"enforceNoAccessToSecretsFromForks\": true}.",
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
    name: "enforceNoAccessToSecretsFromForks",
    secure: true,
    pass: "builds of pull requests from forks get no secrets",
    fail: "builds of pull requests from forks may be given secrets: a fork's pull request can read them",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    fork_protection(inv, out, &SETTING, |settings| require(settings, &SETTING));
}
