use palisade_domain::{ResourceKind, Severity};

use super::{ids, of_type, on_default_branch, policy_type};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.blocking-policy-optional",
    title: "Reviewer and build policies on default branches should be required, not optional",
    severity: Severity::Low,
    target: ResourceKind::Repository,
    rationale: "An optional policy only reports: a pull request completes with the reviewer count unmet or the \
        build failing. It looks like protection in the settings while an author (or an attacker with their \
        token) merges past it.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies: for the minimum-reviewers policy set it \
         Required (a policy that is switched on there is required; optional ones come from the policy API or \
         cross-repository settings).",
        "Build Validation > the policy > Edit: set Policy requirement to Required.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies#build-validation",
        "https://learn.microsoft.com/rest/api/azure/devops/policy/configurations",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    on_default_branch(inv, out, |branch, repo, policies| {
        let mut seen = false;
        let mut only_optional = Vec::new();
        for (type_id, what) in [
            (policy_type::MIN_REVIEWERS, "minimum-reviewers"),
            (policy_type::BUILD, "build validation"),
        ] {
            let (blocking, optional) = of_type(policies, type_id);
            seen |= !blocking.is_empty() || !optional.is_empty();
            // An optional build beside a required one is a legitimate extra signal.
            if blocking.is_empty() && !optional.is_empty() {
                only_optional.push(format!("{what} (policy {})", ids(&optional)));
            }
        }
        if !only_optional.is_empty() {
            Outcome::fail(format!(
                "on {branch} of {} the only {} {} optional: pull requests complete without meeting \
                    it",
                repo,
                only_optional.join(" and "),
                if only_optional.len() == 1 { "is" } else { "are" }
            ))
        } else if seen {
            Outcome::pass(format!(
                "the minimum-reviewers and build validation policies on {branch} of {repo} are \
                    required"
            ))
        } else {
            Outcome::not_applicable(format!(
                "{branch} of {repo} has no minimum-reviewers or build validation policy (see \
                 ado.repo.fewer-than-two-reviewers and ado.repo.no-build-validation)"
            ))
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::policy_type::{BUILD, MIN_REVIEWERS};
    use super::super::test_support::*;
    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::*;

    fn optional(id: i64, type_id: &str) -> palisade_domain::BranchPolicy {
        let mut p = on_r1(id, type_id, json!({}));
        p.is_blocking = false;
        p
    }

    #[test]
    fn required_policies_pass() {
        let e = repo_with(vec![
            on_r1(1, MIN_REVIEWERS, json!({})),
            on_r1(2, BUILD, json!({})),
        ]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        // An optional extra build beside a required one is fine.
        let e = repo_with(vec![on_r1(2, BUILD, json!({})), optional(3, BUILD)]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
    }

    #[test]
    fn only_optional_policy_fails() {
        let e = repo_with(vec![optional(1, MIN_REVIEWERS), on_r1(2, BUILD, json!({}))]);
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("minimum-reviewers (policy #1)"), "{}", r[0].1);
    }

    #[test]
    fn no_such_policy_is_not_applicable() {
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![])),
            [Status::NotApplicable]
        );
        for e in out_of_scope(&[optional(1, BUILD)]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }

    #[test]
    fn unread_policies_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
