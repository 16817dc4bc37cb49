//! `iac.azure-pipelines.pr-build-self-hosted-pool`: pull request builds run
//! on a self-hosted agent pool.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::Pipeline;
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.pr-build-self-hosted-pool",
    name: "Pull request builds run on a self-hosted pool",
    severity: Severity::Info,
    framework: "azure-pipelines",
    checkov: &[],
    description: "Self-hosted agents keep state between jobs and sit inside your network. A pull request build runs its author's code there: it can leave a backdoor for the next (trusted) job, read caches and credentials on the machine, or reach internal services.",
    remediation: "Run pull request validation on Microsoft-hosted agents (`vmImage`) or on ephemeral, isolated scale-set agents; never build forks on self-hosted agents.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/infrastructure",
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r"trigger:
- main
pr:
- main
pool: BuildServers
steps:
- script: make test
",
        r"pr:
- main
jobs:
- job: test
  pool:
    name: onprem-linux
    demands: docker
  steps:
  - script: make test
",
    ],
    negative: &[
        r"trigger:
- main
pr:
- main
pool:
  vmImage: ubuntu-latest
steps:
- script: make test
",
        r"trigger:
- main
pr: none
pool: BuildServers
steps:
- script: make release
",
    ],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    if !p.pr_enabled() {
        return;
    }
    for (prefix, pool) in &p.pools {
        let name = match pool.as_str() {
            Some(name) => Some(name),
            None if pool.get("vmImage").is_some() => None,
            None => pool.str_at("name"),
        };
        let Some(name) = name.map(str::trim) else {
            continue;
        };
        if name.is_empty()
            || name.contains("${{")
            || name.contains("$(")
            || name.eq_ignore_ascii_case("Azure Pipelines")
        {
            continue;
        }
        report(out, &RULE, pool, format!("{prefix}pool"));
    }
}
