//! `iac.azure-pipelines.task-version-unpinned`: a task is referenced without
//! a version (`task: Foo` instead of `task: Foo@2`).

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, StepKind};
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.task-version-unpinned",
    name: "Task is referenced without a version",
    severity: Severity::Low,
    framework: "azure-pipelines",
    checkov: &[],
    description: "Without `@N` the task's version is whatever the organization has installed when the job runs: a new major version (or a same-named task from a newly installed extension) can change what the step does, including with its inputs and secrets.",
    remediation: "Reference tasks with their major version (`task: AzureCLI@2`), as Azure Pipelines recommends; minor and patch updates within a major are applied by the service.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/tasks#task-versions",
        "https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-task",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[r"trigger:
- main
pool:
  vmImage: windows-latest
steps:
- task: NuGetCommand
  inputs:
    command: restore
- task: VSBuild@1
"],
    negative: &[r"trigger:
- main
pool:
  vmImage: windows-latest
steps:
- task: NuGetCommand@2
  inputs:
    command: restore
- task: VSBuild@1
- task: ${{ parameters.publishTask }}
"],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for step in p.steps() {
        if step.kind != StepKind::Task {
            continue;
        }
        let Some(task) = step.body.as_str().map(str::trim) else {
            continue;
        };
        if task.is_empty() || task.contains("${{") || task.contains("$(") {
            continue;
        }
        let pinned = task.split_once('@').is_some_and(|(_, v)| {
            !v.is_empty()
                && v.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        if !pinned {
            report(out, &RULE, step.body, step.subject.clone());
        }
    }
}
