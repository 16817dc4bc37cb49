//! `iac.azure-pipelines.access-token-in-script-env`: the job access token
//! (`System.AccessToken`) is handed to a script.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, StepKind, clean_name};
use crate::rules::{report, report_at};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.access-token-in-script-env",
    name: "Job access token is passed to a script",
    severity: Severity::Low,
    framework: "azure-pipelines",
    checkov: &[],
    description: "`$(System.AccessToken)` is the build service's OAuth token: with the default job authorization scope it can read every repository of the project collection, queue builds and push to branches. Mapped into a step's environment (or pasted into its script), every process the step starts can read it, including package install scripts and build tools pulled from the internet.",
    remediation: "Pass the token only to the step that needs it and nothing else runs there; limit the job authorization scope to the current project and protect access to repositories in YAML pipelines; prefer a service connection with the least permission.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/build/variables#systemaccesstoken",
        "https://learn.microsoft.com/azure/devops/pipelines/process/access-tokens",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r"trigger:
- main
pool:
  vmImage: ubuntu-latest
steps:
- script: npm ci && npm run release
  env:
    SYSTEM_ACCESSTOKEN: $(System.AccessToken)
",
        r#"steps:
- bash: |
    git -c http.extraheader="AUTHORIZATION: bearer $(System.AccessToken)" push origin HEAD:main
"#,
    ],
    negative: &[r"trigger:
- main
pool:
  vmImage: ubuntu-latest
steps:
- script: npm ci && npm run build
  env:
    NODE_ENV: production
- task: NuGetAuthenticate@1
"],
};

const TOKEN: &str = "system.accesstoken";

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for step in p.steps() {
        for (name, value) in step.env() {
            if value
                .as_str()
                .is_some_and(|v| v.to_ascii_lowercase().contains(TOKEN))
            {
                let name = name.as_str().map_or_else(|| "?".to_owned(), clean_name);
                report(out, &RULE, value, format!("{}/env {name}", step.subject));
            }
        }
        if step.kind != StepKind::Script {
            continue;
        }
        for script in step.inline_scripts() {
            let Some(text) = script.as_str() else { continue };
            let lower = text.to_ascii_lowercase();
            if let Some(i) = lower.find("$(system.accesstoken)") {
                let written = &text[i..i + "$(system.accesstoken)".len()];
                report_at(
                    out,
                    &RULE,
                    script.position_of(p.source, written),
                    step.subject.clone(),
                );
            }
        }
    }
}
