use palisade_domain::{ResourceKind, Severity};

use super::{ids, of_type, on_default_branch, policy_type};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.fewer-than-two-reviewers",
    title: "Repository default branches should require at least two reviewers",
    severity: Severity::High,
    target: ResourceKind::Repository,
    rationale: "With fewer than two required approvals one person (or one stolen account) can get a change \
        into the default branch: a colluding or compromised reviewer approves a backdoor, or a change to the \
        pipeline YAML that exfiltrates the secrets and service connections it can reach.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies: turn on \"Require a minimum number of \
         reviewers\" and set \"Minimum number of reviewers\" to 2 or more.",
        "Keep the policy Required (enabled, not optional) and leave \"Allow requestors to approve their own \
         changes\" off.",
        "For every repository at once: Project settings > Repositories > Policies > the default branch \
            policy.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies#require-a-minimum-number-of-reviewers",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: Some("Azure DevOps repositories should require minimum two-reviewer approval for code pushes"),
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    on_default_branch(inv, out, |branch, repo, policies| {
        let (blocking, optional) = of_type(policies, policy_type::MIN_REVIEWERS);
        // Every required policy applies: the strictest count is the effective one.
        let best = blocking
            .iter()
            .filter_map(|p| {
                p.settings
                    .get("minimumApproverCount")
                    .and_then(serde_json::Value::as_u64)
            })
            .max();
        if blocking.is_empty() {
            let extra = if optional.is_empty() {
                String::new()
            } else {
                format!(" (policy {} is optional only)", ids(&optional))
            };
            Outcome::fail(format!(
                "{branch} of {repo} has no required minimum-reviewers policy{extra}: changes merge \
                    without approval"
            ))
        } else if best.is_some_and(|n| n >= 2) {
            Outcome::pass(format!(
                "{branch} of {} requires {} approvals (policy {})",
                repo,
                best.unwrap_or_default(),
                ids(&blocking)
            ))
        } else if let Some(n) = best {
            Outcome::fail(format!(
                "{branch} of {} requires only {n} approval(s) (policy {}): set the minimum to 2",
                repo,
                ids(&blocking)
            ))
        } else {
            Outcome::unknown(format!(
                "the minimum-reviewers policy {} on {branch} of {} has no minimumApproverCount \
                    setting",
                ids(&blocking),
                repo
            ))
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::policy_type::MIN_REVIEWERS;
    use super::super::test_support::*;
    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::*;

    fn reviewers(n: u64) -> palisade_domain::BranchPolicy {
        on_r1(
            1,
            MIN_REVIEWERS,
            json!({"minimumApproverCount": n, "creatorVoteCounts": false}),
        )
    }

    #[test]
    fn two_or_more_reviewers_pass() {
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![reviewers(2)])),
            [Status::Pass]
        );
        // A repo policy of 1 and a project-wide policy of 3: both apply.
        let wide = policy(
            2,
            PROJECT,
            MIN_REVIEWERS,
            None,
            json!({"minimumApproverCount": 3}),
        );
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![reviewers(1), wide])),
            [Status::Pass]
        );
    }

    #[test]
    fn one_reviewer_or_none_fails() {
        let r = run(&super::CHECK, &repo_with(vec![reviewers(1)]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("only 1"), "{}", r[0].1);
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![])), [Status::Fail]);
        let mut optional = reviewers(2);
        optional.is_blocking = false;
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![optional])),
            [Status::Fail]
        );
    }

    #[test]
    fn unread_policies_or_settings_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let no_count = on_r1(1, MIN_REVIEWERS, json!({}));
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![no_count])),
            [Status::Unknown]
        );
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for e in out_of_scope(&[reviewers(1)]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }
}
