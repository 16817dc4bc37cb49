use palisade_domain::{ResourceKind, Severity};

use super::{policy_type, require_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.no-build-validation",
    title: "Repository default branches should require a successful build validation",
    severity: Severity::Medium,
    target: ResourceKind::Repository,
    rationale: "Without a required build validation a pull request completes without building or testing the change: \
        broken or malicious code reaches the default branch unchecked, and scanners that run as pipeline steps \
        (secret, dependency, code scanning) never see it before it merges.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies > Build Validation > +: pick the pipeline \
         that builds and tests the repository, Trigger: Automatic, Policy requirement: Required.",
        "Set a build expiration (for example \"after 12 hours if the branch has been updated\") so a stale result \
         is not reused.",
    ],
    references: &["https://learn.microsoft.com/azure/devops/repos/git/branch-policies#build-validation"],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    require_policy(inv, out, policy_type::BUILD, "build validation policy");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::policy_type::{BUILD, MIN_REVIEWERS};
    use super::super::test_support::*;
    use crate::Status;
    use crate::fixture::*;

    #[test]
    fn required_policy_passes() {
        let e = repo_with(vec![on_r1(1, BUILD, json!({}))]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        let wide = policy(2, PROJECT, BUILD, None, json!({}));
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![wide])), [Status::Pass]);
    }

    #[test]
    fn missing_or_optional_policy_fails() {
        let other = on_r1(1, MIN_REVIEWERS, json!({"minimumApproverCount": 2}));
        let r = run(&super::CHECK, &repo_with(vec![other]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("repo-r1"), "{}", r[0].1);
        let mut optional = on_r1(3, BUILD, json!({}));
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
