use palisade_domain::{ResourceKind, Severity};

use super::on_advanced_security;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.secret-push-protection-off",
    title: "Repositories should block pushes that contain secrets",
    severity: Severity::High,
    target: ResourceKind::Repository,
    rationale: "Scanning finds a committed credential after it is in the history, cloned to every workstation \
        and build agent; push protection refuses the push instead. Without it a developer's slip puts a cloud \
        key or token where anyone with read access (or a later repository leak) can use it.",
    remediation: &[
        "Project settings > Repositories > the repository > Settings: turn on Advanced Security (or GitHub \
         Secret Protection) with \"Block secrets on push\".",
        "To cover every repository, turn it on under Project settings > Repositories > Settings or at \
         Organization settings > Repositories.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/security/github-advanced-security-secret-scanning",
        "https://learn.microsoft.com/azure/devops/repos/security/configure-github-advanced-security-features",
    ],
    permissions: "Advanced Security (read) at project level: management/repositories/{id}/enablement",
    defender: None,
    azsk: &["ADO_Repository_DP_Enable_Credentials_And_Secrets_Policy"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    on_advanced_security(inv, out, |repo, a| match a {
        Some(a) if a.block_pushes => {
            Outcome::pass(format!("pushes containing secrets are blocked on {repo}"))
        }
        Some(a) if a.enabled => Outcome::fail(format!(
            "Advanced Security is on for {repo} but secret push protection is off"
        )),
        _ => Outcome::fail(format!(
            "secret push protection is off on {repo}: Advanced Security (Secret Protection) is not enabled"
        )),
    });
}
