//! `iac.github-actions.pull-request-target-checkout-head`: a privileged
//! workflow checks out the pull request's code ("pwn request").
//!
//! `pull_request_target`, `workflow_run` and `issue_comment` workflows run
//! in the base repository's context, with a write token and secrets. Checking
//! out the pull request head there, then building or testing it, runs the
//! author's code with those privileges.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::{report, report_at};
use crate::text::expressions;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.pull-request-target-checkout-head",
    name: "Privileged workflow checks out pull request code",
    severity: Severity::Critical,
    framework: "github-actions",
    checkov: &[],
    description: "Workflows triggered by `pull_request_target`, `workflow_run` or `issue_comment` get a token with write access and the repository's secrets, even for pull requests from forks. Checking out the pull request's head and running anything from it (a build, tests, `npm install` scripts) hands those to the pull request's author.",
    remediation: "Build and test pull request code in a `pull_request` workflow (no secrets, read-only token); if a privileged follow-up is needed, pass data as artifacts to a `workflow_run` workflow that treats them as untrusted and never executes them.",
    references: &[
        "https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/",
        "https://docs.github.com/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#pull_request_target",
    ],
    example_path: ".github/workflows/pr-target.yml",
    positive: &[
        r"on:
  pull_request_target:
    types: [opened, synchronize]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm test
",
        r"on:
  issue_comment:
    types: [created]
permissions:
  contents: read
jobs:
  test:
    if: contains(github.event.comment.body, '/test')
    runs-on: ubuntu-latest
    steps:
      - run: |
          gh pr checkout ${{ github.event.issue.number }}
          make test
        env:
          GH_TOKEN: ${{ github.token }}
",
    ],
    negative: &[
        r"on:
  pull_request_target:
    types: [labeled]
permissions:
  pull-requests: write
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4
      - uses: actions/labeler@8558fd74291d67161a8a78ce36a881fa63b766a9 # v5
",
        r"on: pull_request
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: make test
",
    ],
};

const PRIVILEGED_EVENTS: [&str; 3] = ["pull_request_target", "workflow_run", "issue_comment"];

/// Expression fragments that name the pull request's (or triggering run's)
/// head.
const HEAD_REFS: [&str; 8] = [
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo.full_name",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_repository.full_name",
    "github.event.pull_request.merge_commit_sha",
];

/// Shell commands that fetch or check out pull request code.
const SHELL_CHECKOUTS: [&str; 4] = [
    "gh pr checkout",
    "refs/pull/",
    "pull/${{",
    "git fetch origin pull/",
];

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    if w.triggered_by(&PRIVILEGED_EVENTS).is_none() {
        return;
    }
    for (_, step) in w.steps() {
        if step.uses_action("actions/checkout") {
            for input in ["ref", "repository"] {
                let Some(value) = step.with(input) else { continue };
                let Some(text) = value.as_str() else { continue };
                if names_head(text) {
                    report(out, &RULE, value, step.subject.clone());
                }
            }
        }
        if let Some(run) = step.run() {
            let text = run.as_str().unwrap_or_default();
            let hit = text.lines().find(|line| {
                let l = line.trim();
                !l.starts_with('#')
                    && (SHELL_CHECKOUTS.iter().any(|c| l.contains(c))
                        || (l.contains("git checkout") || l.contains("git fetch"))
                            && expressions(l).iter().any(|(_, e)| names_head(e)))
            });
            if let Some(line) = hit {
                report_at(
                    out,
                    &RULE,
                    run.position_of(w.source, line.trim()),
                    step.subject.clone(),
                );
            }
        }
    }
}

fn names_head(text: &str) -> bool {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    HEAD_REFS.iter().any(|r| compact.contains(r)) || compact.contains("refs/pull/")
}
