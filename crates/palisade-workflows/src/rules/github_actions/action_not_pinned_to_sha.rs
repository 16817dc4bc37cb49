//! `iac.github-actions.action-not-pinned-to-sha`: an action or reusable
//! workflow is referenced by tag or branch, not by commit SHA.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report;
use crate::yaml::Node;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.action-not-pinned-to-sha",
    name: "Action is not pinned to a full commit SHA",
    severity: Severity::Medium,
    framework: "github-actions",
    checkov: &[],
    description: "Tags and branches of an action's repository can be moved by its owner, or by whoever compromises it (as with tj-actions/changed-files in 2025): the next run executes the new code with the workflow's token and secrets. Only a full commit SHA names immutable code.",
    remediation: "Pin every third-party action and reusable workflow to a full 40-character commit SHA, with the version in a comment (`uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`), and let Dependabot or Renovate update the pins.",
    references: &[
        "https://docs.github.com/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions",
        "https://docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idstepsuses",
    ],
    example_path: ".github/workflows/ci.yml",
    positive: &[
        r"name: ci
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@11bd71901bbe5b1630ceea73d27597364c9af683 # v4
      - run: npm ci && npm test
",
        r"on: push
jobs:
  call:
    uses: contoso/shared/.github/workflows/build.yml@main
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: docker://alpine:3.20
",
    ],
    negative: &[r"on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - uses: ./.github/actions/setup
      - uses: docker://alpine@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1
      - run: make test
  reuse:
    uses: ./.github/workflows/lint.yml
"],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    for job in &w.jobs {
        if let Some(uses) = job.node.get("uses") {
            check_ref(uses, &job.subject, out);
        }
        for step in &job.steps {
            if let Some((_, node)) = step.uses() {
                check_ref(node, &step.subject, out);
            }
        }
    }
}

fn check_ref(node: &Node, subject: &str, out: &mut Vec<RuleMatch>) {
    let Some(uses) = node.as_str().map(str::trim) else {
        return;
    };
    if uses.is_empty() || uses.starts_with("./") || uses.contains("${{") {
        return;
    }
    let pinned = if let Some(image) = uses.strip_prefix("docker://") {
        image.contains("@sha256:")
    } else {
        uses.rsplit_once('@')
            .is_some_and(|(_, r)| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    if !pinned {
        report(out, &RULE, node, subject.to_owned());
    }
}
