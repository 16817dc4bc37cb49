//! `iac.azure-pipelines.setvariable-from-pr-input`: a `##vso[task.setvariable]`
//! logging command sets a variable from a value a pull request author
//! chooses.
//!
//! The new variable carries the attacker's text to every later `$(name)`
//! macro, out of sight of a reviewer reading the step that uses it.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::Pipeline;
use crate::rules::report_at;
use crate::text::{env_name_of, pr_controlled_variable, variable_references};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.setvariable-from-pr-input",
    name: "Logging command sets a variable from a pull request controlled value",
    severity: Severity::Medium,
    framework: "azure-pipelines",
    checkov: &[],
    description: "`##vso[task.setvariable]` turns a source branch name, pull request title or commit message into a pipeline variable. Later steps that use it with a macro run the attacker's text as code, and a value with its own `##vso[` sequence can set further variables.",
    remediation: "Do not derive variables from pull request metadata; if needed, validate the value against a strict pattern before setting it, and declare `target.settableVariables` on steps so scripts can only set the variables you expect.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands#setvariable-initialize-or-modify-the-value-of-a-variable",
        "https://learn.microsoft.com/azure/devops/pipelines/security/inputs",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r###"trigger:
- main
steps:
- bash: |
    branch="$(Build.SourceBranchName)"
    echo "##vso[task.setvariable variable=imageTag]$BUILD_SOURCEBRANCHNAME"
"###,
        r###"steps:
- powershell: Write-Host "##vso[task.setvariable variable=title]$env:SYSTEM_PULLREQUEST_SOURCEBRANCH"
"###,
    ],
    negative: &[r###"trigger:
- main
steps:
- bash: |
    echo "##vso[task.setvariable variable=imageTag]$(Build.BuildId)"
    echo "Branch is $BUILD_SOURCEBRANCHNAME"
"###],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for step in p.steps() {
        for script in step.inline_scripts() {
            let Some(text) = script.as_str() else { continue };
            for line in text.lines() {
                if !line.contains("##vso[task.setvariable") {
                    continue;
                }
                if let Some(name) = pr_value_in(line) {
                    report_at(
                        out,
                        &RULE,
                        script.position_of(p.source, line.trim()),
                        format!("{}: {name}", step.subject),
                    );
                    break;
                }
            }
        }
    }
}

const CANDIDATES: [&str; 9] = [
    "Build.SourceBranch",
    "Build.SourceBranchName",
    "Build.SourceVersionMessage",
    "Build.RequestedFor",
    "Build.RequestedForEmail",
    "System.PullRequest.SourceBranch",
    "System.PullRequest.SourceRepositoryURI",
    "System.PullRequest.PullRequestTitle",
    "System.PullRequest.PullRequestDescription",
];

/// The pull request controlled variable a line reads, as a macro or as the
/// environment variable the agent exports (`$BUILD_SOURCEBRANCHNAME`,
/// `$env:BUILD_SOURCEBRANCHNAME`, `%BUILD_SOURCEBRANCHNAME%`).
fn pr_value_in(line: &str) -> Option<String> {
    if let Some((_, name)) = variable_references(line)
        .into_iter()
        .find(|(_, n)| pr_controlled_variable(n))
    {
        return Some(name.to_owned());
    }
    let upper = line.to_ascii_uppercase();
    CANDIDATES.iter().find_map(|var| {
        let env = env_name_of(var);
        let mut from = 0;
        while let Some(i) = upper[from..].find(&env) {
            let start = from + i;
            let end = start + env.len();
            let before_ok = upper[..start].ends_with('$')
                || upper[..start].ends_with("${")
                || upper[..start].ends_with("$ENV:")
                || upper[..start].ends_with('%');
            let after_ok = upper[end..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
            if before_ok && after_ok {
                return Some((*var).to_owned());
            }
            from = end;
        }
        None
    })
}
