//! `iac.azure-pipelines.checkout-persists-credentials`: `checkout` keeps the
//! job's access token in the repository's git config.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, StepKind};
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.checkout-persists-credentials",
    name: "Checkout persists the job access token in git config",
    severity: Severity::Medium,
    framework: "azure-pipelines",
    checkov: &[],
    description: "`persistCredentials: true` leaves the job's OAuth token in `.git/config` for the rest of the job: every later script, build tool, test and package install script can read it and push to the repository or call Azure DevOps APIs as the build service.",
    remediation: "Remove `persistCredentials`, and pass `$(System.AccessToken)` only to the one step that needs to push, through `env`.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-checkout",
        "https://learn.microsoft.com/azure/devops/pipelines/scripts/git-commands",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[r"trigger:
- main
pool:
  vmImage: ubuntu-latest
steps:
- checkout: self
  persistCredentials: true
- script: npm ci && npm run build
"],
    negative: &[r"trigger:
- main
pool:
  vmImage: ubuntu-latest
steps:
- checkout: self
  persistCredentials: false
  fetchDepth: 1
- checkout: tools
- script: npm ci && npm run build
"],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for step in p.steps() {
        if step.kind != StepKind::Checkout {
            continue;
        }
        if let Some((key, value)) = step.node.entry("persistCredentials")
            && value.is_true()
        {
            report(out, &RULE, key, step.subject.clone());
        }
    }
}
