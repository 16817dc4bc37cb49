//! `iac.azure-pipelines.pr-build-exposes-secrets`: a pipeline that pull
//! requests trigger hands secrets to its steps.
//!
//! With a `pr` trigger, the pipeline runs the pull request's code (for
//! GitHub and Bitbucket repositories, code from forks too). Variable groups,
//! secret variables mapped into `env` and the job access token are then
//! within reach of whoever opened the pull request.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, clean_name};
use crate::rules::report;
use crate::text::{secret_like_name, variable_references};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.pr-build-exposes-secrets",
    name: "Pull request builds get secrets",
    severity: Severity::High,
    framework: "azure-pipelines",
    checkov: &[],
    description: "Pull request validation runs the pull request's code: its build scripts, tests and package manifests. Secrets given to those builds (variable groups, secret variables in `env`, `System.AccessToken`) can be sent anywhere by the pull request's author; when the project makes secrets available to fork builds, that author can be anyone.",
    remediation: "Keep secrets out of pull request builds: split the pipeline, or guard secret steps with `condition: ne(variables['Build.Reason'], 'PullRequest')`; keep 'Make secrets available to builds of forks' off and require a team member's comment before building forks.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r"trigger:
- main
pr:
- main
variables:
- group: release-signing
pool:
  vmImage: ubuntu-latest
steps:
- script: ./build.sh
",
        r"pr:
  branches:
    include:
    - '*'
jobs:
- job: test
  steps:
  - script: npm test
    env:
      NPM_TOKEN: $(npmToken)
      SYSTEM_ACCESSTOKEN: $(System.AccessToken)
",
    ],
    negative: &[
        r"trigger:
- main
pr: none
variables:
- group: release-signing
steps:
- script: ./build.sh
  env:
    NPM_TOKEN: $(npmToken)
",
        r"trigger:
- main
pr:
- main
steps:
- script: npm test
  env:
    BRANCH: $(Build.SourceBranchName)
",
    ],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    if !p.pr_enabled() {
        return;
    }
    for (prefix, group) in p.variable_groups() {
        let name = group.as_str().map_or_else(|| "?".to_owned(), clean_name);
        report(out, &RULE, group, format!("{prefix}variables/group {name}"));
    }
    for step in p.steps() {
        for (key, value) in step.env() {
            let Some(text) = value.as_str() else { continue };
            let secret = variable_references(text).into_iter().any(|(_, v)| {
                v.eq_ignore_ascii_case("System.AccessToken") || (!v.contains('.') && secret_like_name(v))
            });
            if secret {
                let name = key.as_str().map_or_else(|| "?".to_owned(), clean_name);
                report(out, &RULE, value, format!("{}/env {name}", step.subject));
            }
        }
    }
}
