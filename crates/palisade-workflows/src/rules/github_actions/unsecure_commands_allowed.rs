//! `iac.github-actions.unsecure-commands-allowed`: the deprecated `set-env`
//! and `add-path` workflow commands are turned back on.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.unsecure-commands-allowed",
    name: "Unsecure workflow commands are allowed",
    severity: Severity::High,
    framework: "github-actions",
    checkov: &["CKV_GHA_1"],
    description: "`ACTIONS_ALLOW_UNSECURE_COMMANDS: true` re-enables `::set-env` and `::add-path`, which any process printing to the log can use: text from an issue, a pull request or a dependency's output can set `NODE_OPTIONS`, `LD_PRELOAD` or `PATH` for later steps and run code (CVE-2020-15228).",
    remediation: "Remove the variable and write to `$GITHUB_ENV` and `$GITHUB_PATH` files instead.",
    references: &[
        "https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/",
        "https://github.com/advisories/GHSA-mfwh-5m23-j46w",
    ],
    example_path: ".github/workflows/ci.yml",
    positive: &[r"on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      ACTIONS_ALLOW_UNSECURE_COMMANDS: true
    steps:
      - run: echo '::add-path::/opt/tool/bin'
"],
    negative: &[r"on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      ACTIONS_ALLOW_UNSECURE_COMMANDS: false
    steps:
      - run: echo /opt/tool/bin >> $GITHUB_PATH
"],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    for (subject, env) in w.env_blocks() {
        if let Some((key, value)) = env.entry_ignore_case("ACTIONS_ALLOW_UNSECURE_COMMANDS")
            && value.is_true()
        {
            report(
                out,
                &RULE,
                key,
                format!("{subject}/env ACTIONS_ALLOW_UNSECURE_COMMANDS"),
            );
        }
    }
}
