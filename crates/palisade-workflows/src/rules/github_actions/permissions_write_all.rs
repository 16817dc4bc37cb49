//! `iac.github-actions.permissions-write-all`: the workflow or a job grants
//! its token every write permission.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.permissions-write-all",
    name: "Workflow token has write-all permissions",
    severity: Severity::High,
    framework: "github-actions",
    checkov: &["CKV2_GHA_1"],
    description: "`permissions: write-all` lets the `GITHUB_TOKEN` push code, create releases, change issues, packages and deployments. Any step that is compromised or tricked (an injected script, a hijacked action) can then tamper with the repository.",
    remediation: "Set `permissions: {}` or `contents: read` at the top, and grant each job only the scopes it needs (`pull-requests: write` for a commenting job, ...).",
    references: &[
        "https://docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions#permissions",
        "https://docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication#modifying-the-permissions-for-the-github_token",
    ],
    example_path: ".github/workflows/ci.yml",
    positive: &[
        r"on: push
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
",
        r"on: push
permissions:
  contents: read
jobs:
  release:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - run: make release
",
    ],
    negative: &[r"on: push
permissions: read-all
jobs:
  release:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - run: make release
"],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    if let Some((_, value)) = w.permissions
        && is_write_all(value.as_str())
    {
        report(out, &RULE, value, format!("{}/permissions", w.subject));
    }
    for job in &w.jobs {
        if let Some(value) = job.node.get("permissions")
            && is_write_all(value.as_str())
        {
            report(out, &RULE, value, format!("{}/permissions", job.subject));
        }
    }
}

fn is_write_all(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("write-all"))
}
