use palisade_domain::{ResourceKind, Severity};

use super::{default_branch_policies, ids, of_type, policy_type, short_branch};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.approvals-survive-new-pushes",
    title: "Approvals should be reset when new changes are pushed to a pull request",
    severity: Severity::Medium,
    target: ResourceKind::Repository,
    rationale: "If approvals stay when the source branch changes, an author gets a harmless change approved, \
        then pushes the real payload (a backdoor, a pipeline step that sends secrets out) and completes the \
        pull request on the old approval: the code that merges is not the code anyone reviewed.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies > Require a minimum number of reviewers: \
         under \"When new changes are pushed\", choose \"Reset all approval votes\" (or \"Reset all code \
         reviewer votes\"), or turn on \"Require at least one approval on every iteration\".",
        "If the branch has no minimum-reviewers policy, add one (Required) first.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies#require-a-minimum-number-of-reviewers",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

fn resets(settings: &serde_json::Value) -> bool {
    ["resetOnSourcePush", "requireVoteOnLastIteration"]
        .iter()
        .any(|k| settings.get(*k).and_then(serde_json::Value::as_bool) == Some(true))
}

fn evaluate(inv: &Inventory, out: &mut Results) {
    for repo in inv.repositories() {
        let outcome = match default_branch_policies(inv, &repo) {
            Err(o) => o,
            Ok(policies) => {
                let branch = short_branch(repo.value.default_branch.as_deref().unwrap_or_default());
                let (blocking, _) = of_type(&policies, policy_type::MIN_REVIEWERS);
                let (resetting, keeping): (Vec<_>, Vec<_>) =
                    blocking.iter().copied().partition(|p| resets(&p.settings));
                if blocking.is_empty() {
                    Outcome::fail(format!(
                        "{branch} of {} has no required minimum-reviewers policy, so no approval is needed, \
                         let alone a fresh one after a push",
                        repo.name
                    ))
                } else if resetting.is_empty() {
                    Outcome::fail(format!(
                        "the minimum-reviewers policy {} on {branch} of {} keeps approvals when new changes are \
                         pushed (neither resetOnSourcePush nor requireVoteOnLastIteration is on)",
                        ids(&keeping),
                        repo.name
                    ))
                } else {
                    Outcome::pass(format!(
                        "the minimum-reviewers policy {} on {branch} of {} requires approval of the latest \
                            push",
                        ids(&resetting),
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

    #[test]
    fn reset_or_last_iteration_vote_passes() {
        for s in [
            json!({"resetOnSourcePush": true}),
            json!({"requireVoteOnLastIteration": true}),
        ] {
            let e = repo_with(vec![on_r1(1, MIN_REVIEWERS, s)]);
            assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        }
    }

    #[test]
    fn surviving_approvals_or_no_policy_fail() {
        let keep = on_r1(
            1,
            MIN_REVIEWERS,
            json!({"resetOnSourcePush": false, "blockLastPusherVote": true}),
        );
        let r = run(&super::CHECK, &repo_with(vec![keep]));
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
        for e in out_of_scope(&[]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }
}
