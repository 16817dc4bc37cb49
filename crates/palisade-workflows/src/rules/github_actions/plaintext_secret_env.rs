//! `iac.github-actions.plaintext-secret-env`: a credential written in clear
//! in an `env` block or an action input.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::clean_name;
use crate::github::Workflow;
use crate::rules::report;
use crate::text::{literal_secret_value, secret_like_name};
use crate::walk::entries;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.plaintext-secret-env",
    name: "Workflow holds a credential in clear text",
    severity: Severity::High,
    framework: "github-actions",
    checkov: &[],
    description: "A credential written in a workflow is readable by everyone who can read the repository, its forks and its history, and the runner does not mask it in logs.",
    remediation: "Remove the value, rotate the credential, store it as an encrypted secret and reference it with `${{ secrets.NAME }}`; prefer OIDC federation to long-lived cloud keys.",
    references: &[
        "https://docs.github.com/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions",
    ],
    example_path: ".github/workflows/deploy.yml",
    positive: &[
        r"on: push
permissions:
  contents: read
env:
  AZURE_CLIENT_SECRET: 8Q~fakeButRealisticClientSecretValue9
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh
",
        r"on: push
permissions:
  contents: read
jobs:
  push:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772 # v3
        with:
          registry: ghcr.io
          username: bot
          password: ghp_aaaaBBBBccccDDDDeeeeFFFFggggHHHH1234
",
    ],
    negative: &[r"on: push
permissions:
  contents: read
env:
  AZURE_CLIENT_SECRET: ${{ secrets.AZURE_CLIENT_SECRET }}
  TOKEN_URL: https://login.microsoftonline.com/common/oauth2/token
jobs:
  push:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772 # v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
"],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    for (subject, env) in w.env_blocks() {
        for (k, v) in entries(env) {
            flag(out, k, v, &format!("{subject}/env"));
        }
    }
    for (_, step) in w.steps() {
        if let Some(with) = step.node.get("with") {
            for (k, v) in entries(with) {
                flag(out, k, v, &format!("{}/with", step.subject));
            }
        }
    }
}

fn flag(out: &mut Vec<RuleMatch>, key: &crate::yaml::Node, value: &crate::yaml::Node, prefix: &str) {
    let (Some(name), Some(text)) = (key.as_str(), value.as_str()) else {
        return;
    };
    if secret_like_name(name) && literal_secret_value(text) {
        report(out, &RULE, key, format!("{prefix} {}", clean_name(name)));
    }
}
