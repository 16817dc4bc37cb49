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
