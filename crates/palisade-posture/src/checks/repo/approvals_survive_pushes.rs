use palisade_domain::{ResourceKind, Severity};

use super::reviewers_require;
use crate::{Check, Inventory, Results};

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
    reviewers_require(
        inv,
        out,
        resets,
        ", so no approval is needed, let alone a fresh one after a push",
        "requires approval of the latest push",
        "keeps approvals when new changes are pushed (neither resetOnSourcePush nor requireVoteOnLastIteration is on)",
    );
}
