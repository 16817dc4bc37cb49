//! `iac.azure-pipelines.security-task-continue-on-error`: a security scan
//! step is allowed to fail without failing the build.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::Pipeline;
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.security-task-continue-on-error",
    name: "Security scan task may fail without failing the build",
    severity: Severity::Low,
    framework: "azure-pipelines",
    checkov: &[],
    description: "`continueOnError: true` on a scanning task (credential scanning, SAST, dependency or container scanning) turns its failures, including findings that should block a release, into a warning nobody reads: the gate is there on paper only.",
    remediation: "Remove `continueOnError` from security tasks; handle known false positives with the tool's suppression file so real findings still fail the build.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-task",
        "https://learn.microsoft.com/azure/defender-for-cloud/azure-devops-extension",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[r"trigger:
- main
pool:
  vmImage: windows-latest
steps:
- task: MicrosoftSecurityDevOps@1
  displayName: Microsoft Security DevOps
  continueOnError: true
- task: VSBuild@1
"],
    negative: &[r"trigger:
- main
pool:
  vmImage: windows-latest
steps:
- task: MicrosoftSecurityDevOps@1
  displayName: Microsoft Security DevOps
- task: PublishTestResults@2
  continueOnError: true
"],
};

/// Fragments of task names that run security scanners.
const SECURITY_TASKS: [&str; 18] = [
    "security",
    "credscan",
    "antimalware",
    "binskim",
    "roslynanalyzers",
    "sonar",
    "snyk",
    "trivy",
    "checkmarx",
    "fortify",
    "dependency-check",
    "dependencycheck",
    "whitesource",
    "mend",
    "codeql",
    "advancedsecurity",
    "veracode",
    "checkov",
];

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for step in p.steps() {
        let Some(task) = step.task_name() else { continue };
        let lower = task.to_ascii_lowercase();
        if !SECURITY_TASKS.iter().any(|t| lower.contains(t)) {
            continue;
        }
        if let Some((key, value)) = step.node.entry("continueOnError")
            && value.is_true()
        {
            report(out, &RULE, key, step.subject.clone());
        }
    }
}
