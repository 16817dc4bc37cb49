use palisade_domain::{ResourceKind, Severity};

use super::{policy_type, require_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.no-linked-work-items",
    title: "Pull requests to the default branch should be linked to work items",
    severity: Severity::Low,
    target: ResourceKind::Repository,
    rationale: "Changes not linked to a work item have no recorded reason or approval trail: an unplanned change (or \
        an attacker's) blends in, and incident responders cannot tell which request a change served.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies: turn on \"Check for linked work items\" \
         and set it to Required.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies#check-for-linked-work-items",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    require_policy(
        inv,
        out,
        policy_type::WORK_ITEM_LINKING,
        "linked-work-items policy",
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::policy_type::{MIN_REVIEWERS, WORK_ITEM_LINKING};
    use super::super::test_support::*;
    use crate::Status;
    use crate::fixture::*;

    #[test]
    fn required_policy_passes() {
        let e = repo_with(vec![on_r1(1, WORK_ITEM_LINKING, json!({}))]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        let wide = policy(2, PROJECT, WORK_ITEM_LINKING, None, json!({}));
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![wide])), [Status::Pass]);
    }

    #[test]
    fn missing_or_optional_policy_fails() {
        let other = on_r1(1, MIN_REVIEWERS, json!({"minimumApproverCount": 2}));
        let r = run(&super::CHECK, &repo_with(vec![other]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("repo-r1"), "{}", r[0].1);
        let mut optional = on_r1(3, WORK_ITEM_LINKING, json!({}));
        optional.is_blocking = false;
        let r = run(&super::CHECK, &repo_with(vec![optional]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("optional"), "{}", r[0].1);
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
