use palisade_domain::{ResourceKind, Severity};

use super::{ids, on_default_branch, policy_type};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.default-branch-unprotected",
    title: "Repository default branches should be protected by a required branch policy",
    severity: Severity::High,
    target: ResourceKind::Repository,
    rationale: "Without a required (blocking) branch policy anyone with Contribute can push straight to the \
        default branch: no pull request, no review, no build. A stolen token or a malicious insider puts code \
        into what pipelines build and deploy, unseen.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies (or Project settings > Repositories > \
         the repository > Policies > Branch policies > the default branch).",
        "Turn on at least \"Require a minimum number of reviewers\" and a build validation policy, both Required; \
         with any required policy on, direct pushes to the branch are refused.",
        "To protect every repository at once, set the policies under Project settings > Repositories > Policies \
         > Protect the default branch of each repository (a cross-repository policy).",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies",
        "https://learn.microsoft.com/azure/devops/repos/git/repository-settings",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    on_default_branch(inv, out, |branch, repo, policies| {
        // Repository policies (author email, file size...) do not require a pull request.
        let (blocking, optional): (Vec<_>, Vec<_>) = policies
            .iter()
            .copied()
            .filter(|p| policy_type::gates_pull_requests(&p.type_id))
            .partition(|p| p.is_blocking);
        if blocking.is_empty() {
            let extra = if optional.is_empty() {
                String::new()
            } else {
                format!(" (policies {} are optional only)", ids(&optional))
            };
            Outcome::fail(format!(
                "{branch} of {repo} has no required branch policy{extra}: anyone with Contribute can \
                    push to it directly"
            ))
        } else {
            let names: Vec<_> = blocking
                .iter()
                .map(|p| format!("{} #{}", p.type_name, p.id))
                .collect();
            Outcome::pass(format!(
                "{branch} of {} is protected by required policies: {}",
                repo,
                names.join(", ")
            ))
        }
    });
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use super::super::policy_type::*;
    use super::super::test_support::*;
    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::*;

    #[test]
    fn required_policy_passes() {
        let e = repo_with(vec![on_r1(1, BUILD, serde_json::json!({}))]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        // A project-wide policy protects every repository.
        let e = repo_with(vec![policy(
            2,
            PROJECT,
            MIN_REVIEWERS,
            None,
            serde_json::json!({}),
        )]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
    }

    #[test]
    fn no_or_optional_or_other_branch_policy_fails() {
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![])), [Status::Fail]);
        let mut optional = on_r1(1, BUILD, serde_json::json!({}));
        optional.is_blocking = false;
        let r = run(&super::CHECK, &repo_with(vec![optional]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("#1"), "{}", r[0].1);
        let other_repo = policy(3, PROJECT, BUILD, Some("r2"), serde_json::json!({}));
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![other_repo])),
            [Status::Fail]
        );
        // A repository policy checks pushes but does not require a pull request.
        let email = on_r1(
            5,
            AUTHOR_EMAIL,
            serde_json::json!({"authorEmailPatterns": "*@contoso.com"}),
        );
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![email])), [Status::Fail]);
        let mut disabled = on_r1(4, BUILD, serde_json::json!({}));
        disabled.is_enabled = false;
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![disabled])),
            [Status::Fail]
        );
    }

    #[test]
    fn unread_policies_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let e = repo_with(vec![]).map(|r| {
            if let Resource::ProjectSettings(s) = r {
                s.unread.insert("branch-policy".into(), "HTTP 403".into());
            }
        });
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Unknown);
        assert!(r[0].1.contains("HTTP 403"), "{}", r[0].1);
    }

    #[test]
    fn disabled_hidden_and_empty_repositories_are_not_applicable() {
        for e in out_of_scope(&[]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }
}
