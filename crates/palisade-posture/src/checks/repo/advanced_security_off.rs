use palisade_domain::{ResourceKind, Severity};

use super::on_advanced_security;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.advanced-security-off",
    title: "Repositories should have GitHub Advanced Security for Azure DevOps enabled",
    severity: Severity::High,
    target: ResourceKind::Repository,
    rationale: "Without GitHub Advanced Security nothing scans the repository for committed credentials, \
        vulnerable dependencies or injectable code: a leaked storage key or a dependency with a known remote \
        code execution stays in the default branch until an attacker finds it first.",
    remediation: &[
        "Project settings > Repositories > the repository > Settings: turn on Advanced Security (or GitHub \
         Secret Protection and GitHub Code Security), or enable it for all repositories under Project settings \
         > Repositories > Settings.",
        "Add the dependency scanning and CodeQL tasks to a pipeline of the repository so their results appear \
         under Repos > Advanced Security.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/security/configure-github-advanced-security-features",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Advanced Security (read) at project level: management/repositories/{id}/enablement",
    defender: Some(
        "Azure DevOps repositories should have GitHub Advanced Security for Azure DevOps \
        (GHAzDO) enabled",
    ),
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    on_advanced_security(inv, out, |repo, a| match a {
        Some(a) if a.enabled => Outcome::pass(format!("GitHub Advanced Security is enabled on {repo}")),
        _ => Outcome::fail(format!("GitHub Advanced Security is not enabled on {repo}")),
    });
}
