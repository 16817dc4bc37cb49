use palisade_domain::{ResourceKind, Severity};

use super::{policy_type, require_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.comment-resolution-not-required",
    title: "Pull requests to the default branch should require all comments to be resolved",
    severity: Severity::Low,
    target: ResourceKind::Repository,
    rationale: "A reviewer who spots a problem and comments instead of rejecting can be ignored: without comment \
        resolution required the author completes the pull request over an open objection, such as a flagged \
        secret or an unsafe pipeline change.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies: turn on \"Check for comment resolution\" \
         and set it to Required.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies#check-for-comment-resolution",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    require_policy(inv, out, policy_type::COMMENTS, "comment-resolution policy");
}
