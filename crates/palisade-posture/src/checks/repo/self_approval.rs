use palisade_domain::{ResourceKind, Severity};

use super::{default_branch_policies, ids, of_type, policy_type, short_branch};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.self-approval-allowed",
    title: "Pull request authors should not be able to approve their own changes",
    severity: Severity::High,
    target: ResourceKind::Repository,
    rationale: "When the requestor's vote counts, the author of a pull request satisfies the reviewer policy \
        alone: an attacker with one compromised contributor account opens a pull request that adds a backdoor \
        or edits the pipeline YAML, approves it and completes it, with no second person ever looking.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies > Require a minimum number of reviewers: \
         turn off \"Allow requestors to approve their own changes\".",
        "Also turn on \"Prohibit the most recent pusher from approving their own changes\" so a reviewer cannot \
         push to someone else's pull request and approve it.",
        "If the branch has no minimum-reviewers policy, add one (Required) first.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies#require-a-minimum-number-of-reviewers",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: Some(
        "Azure DevOps repositories should not allow requestors to approve their own Pull \
        Requests",
    ),
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for repo in inv.repositories() {
        let outcome = match default_branch_policies(inv, &repo) {
            Err(o) => o,
            Ok(policies) => {
                let branch = short_branch(repo.value.default_branch.as_deref().unwrap_or_default());
                let (blocking, _) = of_type(&policies, policy_type::MIN_REVIEWERS);
                // `creatorVoteCounts` is false unless turned on (ADO's default).
                let (self_ok, strict): (Vec<_>, Vec<_>) = blocking.iter().copied().partition(|p| {
                    p.settings
                        .get("creatorVoteCounts")
                        .and_then(serde_json::Value::as_bool)
                        == Some(true)
                });
                if blocking.is_empty() {
                    Outcome::fail(format!(
                        "{branch} of {} has no required minimum-reviewers policy: nothing stops an author \
                         completing their own pull request",
                        repo.name
                    ))
                } else if strict.is_empty() {
                    Outcome::fail(format!(
                        "the minimum-reviewers policy {} on {branch} of {} lets requestors approve their \
                            own changes",
                        ids(&self_ok),
                        repo.name
                    ))
                } else {
                    Outcome::pass(format!(
                        "the minimum-reviewers policy {} on {branch} of {} does not count the requestor's \
                            vote",
                        ids(&strict),
                        repo.name
                    ))
                }
            }
        };
        out.push(&repo, outcome);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::policy_type::MIN_REVIEWERS;
    use super::super::test_support::*;
    use crate::Status;
    use crate::fixture::*;

    fn reviewers(creator_counts: bool) -> palisade_domain::BranchPolicy {
        on_r1(
            1,
            MIN_REVIEWERS,
            json!({"minimumApproverCount": 2, "creatorVoteCounts": creator_counts}),
        )
    }

    #[test]
    fn requestor_vote_not_counting_passes() {
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![reviewers(false)])),
            [Status::Pass]
        );
        let default = on_r1(1, MIN_REVIEWERS, json!({"minimumApproverCount": 2}));
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![default])), [Status::Pass]);
    }

    #[test]
    fn requestor_vote_counting_or_no_policy_fails() {
        let r = run(&super::CHECK, &repo_with(vec![reviewers(true)]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("#1"), "{}", r[0].1);
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![])), [Status::Fail]);
    }

    #[test]
    fn unread_policies_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for e in out_of_scope(&[reviewers(true)]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }
}
