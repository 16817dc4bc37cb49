use palisade_domain::{ResourceKind, Severity};

use super::{policy_type, require_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.author-email-unrestricted",
    title: "Commit author emails should be restricted to the organization's domains",
    severity: Severity::Low,
    target: ResourceKind::Repository,
    rationale: "Git takes the author name and email from whoever makes the commit: without an author email policy \
        anyone who can push can attribute a commit to another person (or to an outside address), hiding who \
        introduced a change and misleading review and audit.",
    remediation: &[
        "Project settings > Repositories > Policies (or the repository > Policies) > Repository policies: turn \
         on \"Commit author email validation\" and list the allowed patterns (for example *@contoso.com).",
    ],
    references: &["https://learn.microsoft.com/azure/devops/repos/git/repository-settings"],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &["ADO_Project_SI_Review_Author_Email_Validation_Policy"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    require_policy(
        inv,
        out,
        policy_type::AUTHOR_EMAIL,
        "commit author email validation policy",
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::policy_type::{AUTHOR_EMAIL, MIN_REVIEWERS};
    use super::super::test_support::*;
    use crate::Status;
    use crate::fixture::*;

    #[test]
    fn required_policy_passes() {
        let e = repo_with(vec![on_r1(1, AUTHOR_EMAIL, json!({}))]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        let wide = policy(2, PROJECT, AUTHOR_EMAIL, None, json!({}));
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![wide])), [Status::Pass]);
    }

    #[test]
    fn missing_or_optional_policy_fails() {
        let other = on_r1(1, MIN_REVIEWERS, json!({"minimumApproverCount": 2}));
        let r = run(&super::CHECK, &repo_with(vec![other]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("repo-r1"), "{}", r[0].1);
        let mut optional = on_r1(3, AUTHOR_EMAIL, json!({}));
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
