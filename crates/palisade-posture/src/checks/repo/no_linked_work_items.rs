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
