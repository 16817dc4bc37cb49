//! `iac.azure-pipelines.plaintext-secret-variable`: a credential written in
//! clear in a `variables` block.
//!
//! A variable whose name reads as a credential (`DB_PASSWORD`, `clientSecret`,
//! `npmToken`, `STORAGE_KEY`) with a literal value, not a macro, template
//! expression or placeholder. The value never appears in the subject.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, clean_name};
use crate::rules::report;
use crate::text::{literal_secret_value, secret_like_name};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.plaintext-secret-variable",
    name: "Pipeline variable holds a credential in clear text",
    severity: Severity::High,
    framework: "azure-pipelines",
    checkov: &[],
    description: "Variables written in the YAML file are not secret: anyone who can read the repository, its forks and its history reads the credential, and the agent does not mask it in logs.",
    remediation: "Remove the value, rotate the credential, and read it from a secret variable, a variable group linked to Azure Key Vault, or a workload identity service connection.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/set-secret-variables",
        "https://learn.microsoft.com/azure/devops/pipelines/security/secrets",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r"trigger:
- main
pool:
  vmImage: ubuntu-latest
variables:
  buildConfiguration: Release
  DB_PASSWORD: 'Sup3r-S3cret!'
steps:
- script: dotnet test --configuration $(buildConfiguration)
",
        r"trigger: none
variables:
- name: clientSecret
  value: Qx8Q~aVeryRealLookingValue123
- group: shared
stages:
- stage: deploy
  variables:
    npmToken: npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345
  jobs:
  - job: publish
    steps:
    - script: npm publish
",
    ],
    negative: &[
        r"trigger:
- main
variables:
  DB_PASSWORD: $(dbPasswordFromKeyVault)
  apiKey: ${{ parameters.apiKey }}
  secretName: sql-admin-password
  tokenLifetimeMinutes: 30
  STORAGE_KEY: ''
steps:
- script: ./deploy.sh
  env:
    DB_PASSWORD: $(DB_PASSWORD)
",
        r"variables:
- group: prod-secrets
- name: keyVaultName
  value: kv-prod-weu
- name: password
  value: changeme
steps:
- script: echo done
",
    ],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for (prefix, name, value) in p.defined_variables() {
        let (Some(n), Some(v)) = (name.as_str(), value.as_str()) else {
            continue;
        };
        if secret_like_name(n) && literal_secret_value(v) {
            report(out, &RULE, name, format!("{prefix}variables/{}", clean_name(n)));
        }
    }
}
