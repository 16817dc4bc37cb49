use palisade_domain::{ResourceKind, Severity};

use super::advanced_security;
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
    for repo in inv.repositories() {
        let outcome = match advanced_security(inv, &repo) {
            Err(o) => o,
            Ok(Some(a)) if a.enabled => {
                Outcome::pass(format!("GitHub Advanced Security is enabled on {}", repo.name))
            }
            Ok(_) => Outcome::fail(format!(
                "GitHub Advanced Security is not enabled on {}",
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
                    "R1".into(),
                    AdvancedSecurity {
                        enabled,
                        block_pushes,
                    },
                );
            }
        })
    }

    #[test]
    fn enabled_passes() {
        assert_eq!(
            statuses(&super::CHECK, &with(Some((true, false)))),
            [Status::Pass]
        );
    }

    #[test]
    fn disabled_or_absent_fails() {
        assert_eq!(
            statuses(&super::CHECK, &with(Some((false, false)))),
            [Status::Fail]
        );
        let r = run(&super::CHECK, &with(None));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("repo-r1"), "{}", r[0].1);
    }

    #[test]
    fn unread_enablement_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        for c in [Collected::NotCollected, Collected::Unreadable("HTTP 403".into())] {
            let e = with(Some((true, true))).map(move |r| {
                if let Resource::ProjectSettings(s) = r {
                    s.advanced_security = c.clone();
                }
            });
            assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
        }
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for e in out_of_scope(&[]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }
}
