//! `iac.azure-pipelines.repository-resource-unpinned`: templates come from
//! another repository at a moving branch.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, clean_name};
use crate::rules::report;
use crate::walk::{for_each_pair, items};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.repository-resource-unpinned",
    name: "Templates are taken from another repository without a pinned ref",
    severity: Severity::Low,
    framework: "azure-pipelines",
    checkov: &[],
    description: "A template from a repository resource without `ref` (or with a branch) is read from that branch's tip at every run: anyone who can push there changes what this pipeline runs, with its secrets and service connections, without a change in this repository.",
    remediation: "Pin the repository resource to a tag (`ref: refs/tags/v1.4.0`) or a reviewed release branch protected by branch policies, and protect the template repository like production code.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/templates#use-other-repositories",
        "https://learn.microsoft.com/azure/devops/pipelines/security/templates",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r"resources:
  repositories:
  - repository: templates
    type: git
    name: Platform/pipeline-templates
trigger:
- main
extends:
  template: secure-build.yml@templates
",
        r"resources:
  repositories:
  - repository: shared
    type: github
    name: contoso/ci-templates
    endpoint: github-contoso
    ref: refs/heads/main
steps:
- template: steps/build.yml@shared
",
    ],
    negative: &[r"resources:
  repositories:
  - repository: templates
    type: git
    name: Platform/pipeline-templates
    ref: refs/tags/v2.3.0
  - repository: docs
    type: git
    name: Platform/docs
trigger:
- main
extends:
  template: secure-build.yml@templates
steps:
- checkout: docs
"],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    let Some(repos) = p.root.get("resources").and_then(|r| r.get("repositories")) else {
        return;
    };
    let mut used = Vec::new();
    for_each_pair(p.root, &mut |k, v| {
        if k.as_str() == Some("template")
            && let Some((_, alias)) = v.as_str().and_then(|t| t.rsplit_once('@'))
        {
            used.push(alias.trim());
        }
    });
    for repo in items(repos) {
        let Some((key, alias)) = repo.entry("repository") else {
            continue;
        };
        let Some(alias) = alias.as_str().map(str::trim) else {
            continue;
        };
        if alias == "self" || !used.contains(&alias) {
            continue;
        }
        let pinned = match repo.str_at("ref").map(str::trim) {
            None => false,
            Some(r) => {
                r.contains("${{")
                    || r.contains("$(")
                    || r.starts_with("refs/tags/")
                    || (r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
            }
        };
        if !pinned {
            let at = repo.entry("ref").map_or(key, |(k, _)| k);
            report(
                out,
                &RULE,
                at,
                format!("resources/repositories/{}", clean_name(alias)),
            );
        }
    }
}
