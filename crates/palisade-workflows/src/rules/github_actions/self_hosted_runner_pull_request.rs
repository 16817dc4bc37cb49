//! `iac.github-actions.self-hosted-runner-pull-request`: pull request code
//! runs on a self-hosted runner.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report;
use crate::walk::items;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.self-hosted-runner-pull-request",
    name: "Pull request jobs run on a self-hosted runner",
    severity: Severity::Info,
    framework: "github-actions",
    checkov: &[],
    description: "Self-hosted runners are not wiped between jobs and sit inside your network. In a public repository anyone can open a pull request, and its code then runs on the runner: it can persist, read other jobs' credentials and caches, or reach internal services.",
    remediation: "Run pull request jobs on GitHub-hosted runners, or on ephemeral, isolated self-hosted runners (just-in-time, one job each); require approval for workflows from outside contributors.",
    references: &[
        "https://docs.github.com/actions/hosting-your-own-runners/managing-self-hosted-runners/about-self-hosted-runners#self-hosted-runner-security",
    ],
    example_path: ".github/workflows/ci.yml",
    positive: &[
        r"on: [pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: [self-hosted, linux, x64]
    steps:
      - run: make test
",
        r"on:
  pull_request_target:
permissions:
  contents: read
jobs:
  test:
    runs-on: self-hosted
    steps:
      - run: make lint
",
    ],
    negative: &[
        r"on: [pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
",
        r"on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  deploy:
    runs-on: [self-hosted, prod]
    steps:
      - run: make deploy
",
    ],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    if w.triggered_by(&["pull_request", "pull_request_target"]).is_none() {
        return;
    }
    for job in &w.jobs {
        let Some(runs_on) = job.node.get("runs-on") else {
            continue;
        };
        let labels = runs_on.get("labels").unwrap_or(runs_on);
        let self_hosted = match labels.as_str() {
            Some(l) => is_self_hosted(l),
            None => items(labels)
                .iter()
                .any(|l| l.as_str().is_some_and(is_self_hosted)),
        };
        if self_hosted {
            report(out, &RULE, runs_on, format!("{}/runs-on", job.subject));
        }
    }
}

fn is_self_hosted(label: &str) -> bool {
    label.trim().eq_ignore_ascii_case("self-hosted")
}
