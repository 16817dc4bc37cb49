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
