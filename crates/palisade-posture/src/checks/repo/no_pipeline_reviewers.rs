use palisade_domain::{BranchPolicy, ResourceKind, Severity};

use super::{ids, of_type, on_default_branch, policy_type};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.no-required-reviewers-for-pipelines",
    title: "Changes to pipeline definitions should require designated reviewers",
    severity: Severity::Medium,
    target: ResourceKind::Repository,
    rationale: "Pipeline YAML decides which service connections, secrets and agents a run gets. If any \
        contributor's peer can approve a change to it, a poisoned pipeline (a step that prints secrets or \
        deploys from a branch) merges through ordinary review; required reviewers on pipeline files put the \
        owners of those resources in the loop.",
    remediation: &[
        "Repos > Branches > the default branch > ⋮ > Branch policies > Automatically included reviewers > +: add \
         the team that owns the pipelines, Policy requirement: Required.",
        "Under \"For pull requests affecting these folders\" list the pipeline files, for example \
         /azure-pipelines.yml; /.azuredevops/*; /pipelines/*; *.yml.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/repos/git/branch-policies#automatically-include-code-reviewers",
    ],
    permissions: "Code (read): policy/configurations of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

/// Whether a path filter pattern includes pipeline definitions.
fn covers_pipelines(pattern: &str) -> bool {
    let p = pattern.trim().to_ascii_lowercase();
    if p.starts_with('!') {
        return false; // an exclusion
    }
    matches!(p.as_str(), "*" | "/*" | "/**" | "**" | "/")
        || [".yml", ".yaml", "azure-pipelines", ".azuredevops", "pipelines"]
            .iter()
            .any(|w| p.contains(w))
}

/// Whether a required-reviewers policy covers pipeline files: without path
/// filters it covers every file.
fn covers(p: &BranchPolicy) -> bool {
    match p
        .settings
        .get("filenamePatterns")
        .and_then(serde_json::Value::as_array)
    {
        None => true,
        Some(pats) if pats.is_empty() => true,
        Some(pats) => pats
            .iter()
            .filter_map(serde_json::Value::as_str)
            .any(covers_pipelines),
    }
}

fn evaluate(inv: &Inventory, out: &mut Results) {
    on_default_branch(inv, out, |branch, repo, policies| {
        let (blocking, _) = of_type(policies, policy_type::REQUIRED_REVIEWERS);
        let (covering, other): (Vec<_>, Vec<_>) = blocking.iter().copied().partition(|p| covers(p));
        if !covering.is_empty() {
            Outcome::pass(format!(
                "required reviewers (policy {}) must approve pipeline file changes on {branch} of \
                    {}",
                ids(&covering),
                repo
            ))
        } else if !other.is_empty() {
            Outcome::fail(format!(
                "the required-reviewers policies {} on {branch} of {} do not cover pipeline files \
                 (*.yml, azure-pipelines*, .azuredevops/)",
                ids(&other),
                repo
            ))
        } else {
            Outcome::fail(format!(
                "{branch} of {repo} has no required-reviewers policy: any approver can merge pipeline \
                    changes"
            ))
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::policy_type::REQUIRED_REVIEWERS;
    use super::super::test_support::*;
    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::*;

    #[test]
    fn reviewers_on_pipeline_files_pass() {
        for s in [
            json!({"requiredReviewerIds": ["t1"]}),
            json!({"requiredReviewerIds": ["t1"], "filenamePatterns": ["/src/*", "/azure-pipelines.yml"]}),
            json!({"requiredReviewerIds": ["t1"], "filenamePatterns": ["*.yaml"]}),
        ] {
            let e = repo_with(vec![on_r1(1, REQUIRED_REVIEWERS, s)]);
            assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        }
    }

    #[test]
    fn reviewers_elsewhere_or_none_fail() {
        let src = on_r1(
            1,
            REQUIRED_REVIEWERS,
            json!({"filenamePatterns": ["/src/*", "!/pipelines/*"]}),
        );
        let r = run(&super::CHECK, &repo_with(vec![src]));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("#1"), "{}", r[0].1);
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![])), [Status::Fail]);
        let mut optional = on_r1(2, REQUIRED_REVIEWERS, json!({}));
        optional.is_blocking = false;
        assert_eq!(
            statuses(&super::CHECK, &repo_with(vec![optional])),
            [Status::Fail]
        );
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
