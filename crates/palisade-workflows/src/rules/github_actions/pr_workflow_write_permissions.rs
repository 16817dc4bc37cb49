//! `iac.github-actions.pr-workflow-write-permissions`: a workflow that pull
//! requests or comments trigger grants write scopes to every job.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::clean_name;
use crate::github::Workflow;
use crate::rules::report;
use crate::walk::entries;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.pr-workflow-write-permissions",
    name: "Pull request workflow grants write permissions to all jobs",
    severity: Severity::Medium,
    framework: "github-actions",
    checkov: &[],
    description: "Workflows triggered by pull requests, comments or workflow runs handle text and code from outside contributors. Write scopes granted at the top reach every job, so one injectable step or compromised action can push to branches, publish releases or approve pull requests.",
    remediation: "Set top-level `permissions` to read (`contents: read`) and grant write scopes only on the job that needs them, one that does not run pull request code.",
    references: &[
        "https://docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions#permissions",
        "https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/",
    ],
    example_path: ".github/workflows/pr.yml",
    positive: &[r"on:
  pull_request_target:
    types: [opened, synchronize]
permissions:
  contents: write
  pull-requests: write
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/labeler@8558fd74291d67161a8a78ce36a881fa63b766a9 # v5
"],
    negative: &[
        r"on: pull_request
permissions:
  contents: read
jobs:
  comment:
    runs-on: ubuntu-latest
    permissions:
      pull-requests: write
    steps:
      - run: echo ok
",
        r"on:
  push:
    branches: [main]
permissions:
  contents: write
jobs:
  tag:
    runs-on: ubuntu-latest
    steps:
      - run: git tag v1
",
    ],
};

const PR_EVENTS: [&str; 6] = [
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "workflow_run",
];

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    if w.triggered_by(&PR_EVENTS).is_none() {
        return;
    }
    let Some((_, permissions)) = w.permissions else {
        return;
    };
    for (scope, level) in entries(permissions) {
        if level
            .as_str()
            .is_some_and(|l| l.trim().eq_ignore_ascii_case("write"))
        {
            let name = scope.as_str().map_or_else(|| "?".to_owned(), clean_name);
            report(out, &RULE, scope, format!("{}/permissions/{name}", w.subject));
        }
    }
}
