use palisade_domain::{ResourceKind, Severity};

use super::reviewers_require;
use crate::{Check, Inventory, Results};

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
    reviewers_require(
        inv,
        out,
        |s| s.get("creatorVoteCounts").and_then(serde_json::Value::as_bool) != Some(true),
        ": nothing stops an author completing their own pull request",
        "does not count the requestor's vote",
        "lets requestors approve their own changes",
    );
}
