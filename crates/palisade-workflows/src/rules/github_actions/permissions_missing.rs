//! `iac.github-actions.permissions-missing`: the workflow never says what its
//! token may do, so it gets the repository's default.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.permissions-missing",
    name: "Workflow relies on the default token permissions",
    severity: Severity::Low,
    framework: "github-actions",
    checkov: &["CKV2_GHA_1"],
    description: "Without a `permissions` block the `GITHUB_TOKEN` gets the repository or organization default, which is read and write on most scopes for repositories created before February 2023. A compromised step then holds more than the job needs.",
    remediation: "Add a top-level `permissions` block (`contents: read`, or `{}`) and widen it per job where needed.",
    references: &[
        "https://docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token",
        "https://docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions#permissions",
    ],
    example_path: ".github/workflows/ci.yml",
    positive: &[r"name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
"],
    negative: &[
        r"name: ci
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
",
        r"on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: make test
",
        r"on:
  workflow_call:
    inputs:
      target:
        type: string
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make build
",
    ],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    if w.permissions.is_some() || w.root.get("jobs").is_none() || w.jobs.is_empty() {
        return;
    }
    if w.jobs.iter().all(|j| j.node.get("permissions").is_some()) {
        return;
    }
    // Reusable workflows run with the permissions their caller grants.
    if !w.events.is_empty() && w.events.iter().all(|(e, _)| e == "workflow_call") {
        return;
    }
    let at = w.root.entry("jobs").map_or(w.root, |(k, _)| k);
    report(out, &RULE, at, format!("{}/permissions", w.subject));
}
