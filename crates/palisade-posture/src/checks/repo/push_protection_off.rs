use palisade_domain::{ResourceKind, Severity};

use super::advanced_security;
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
    for repo in inv.repositories() {
        let outcome = match advanced_security(inv, &repo) {
            Err(o) => o,
            Ok(Some(a)) if a.block_pushes => {
                Outcome::pass(format!("pushes containing secrets are blocked on {}", repo.name))
            }
            Ok(Some(a)) if a.enabled => Outcome::fail(format!(
                "Advanced Security is on for {} but secret push protection is off",
                repo.name
            )),
            Ok(_) => Outcome::fail(format!(
                "secret push protection is off on {}: Advanced Security (Secret Protection) is not enabled",
                repo.name
            )),
        };
        out.push(&repo, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::{AdvancedSecurity, Collected, Resource};

    use super::super::test_support::*;
    use crate::Status;
    use crate::fixture::*;

    fn with(state: Option<(bool, bool)>) -> Estate {
        repo_with(vec![]).map(move |r| {
            if let Resource::ProjectSettings(s) = r
                && let Collected::Read(map) = &mut s.advanced_security
                && let Some((enabled, block_pushes)) = state
            {
                map.insert(
                    "r1".into(),
                    AdvancedSecurity {
                        enabled,
                        block_pushes,
                    },
                );
            }
        })
    }

    #[test]
    fn blocking_pushes_passes() {
        assert_eq!(statuses(&super::CHECK, &with(Some((true, true)))), [Status::Pass]);
    }

    #[test]
    fn not_blocking_fails() {
        let r = run(&super::CHECK, &with(Some((true, false))));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("push protection is off"), "{}", r[0].1);
        assert_eq!(statuses(&super::CHECK, &with(None)), [Status::Fail]);
    }

    #[test]
    fn unread_enablement_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let e = with(Some((true, true))).map(|r| {
            if let Resource::ProjectSettings(s) = r {
                s.advanced_security = Collected::NotCollected;
            }
        });
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for e in out_of_scope(&[]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }
}
