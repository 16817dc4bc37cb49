//! `iac.github-actions.secret-printed`: a step prints a secret to the log.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::github_actions::secret_in_curl_command::has_secret_expression;
use crate::rules::report_at;
use crate::walk::entries;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.secret-printed",
    name: "Step prints a secret to the log",
    severity: Severity::Medium,
    framework: "github-actions",
    checkov: &[],
    description: "Log masking only hides the exact secret string: a multi-line secret, JSON, a base64 or URL-encoded form, or a secret split by the shell is printed in clear, and logs of public repositories are public. Printing secrets is also how exfiltration hides in plain sight.",
    remediation: "Never print secrets; pipe them to the consuming command (`docker login --password-stdin`) or write them to a file with restricted permissions, and mask derived values with `::add-mask::`.",
    references: &[
        "https://docs.github.com/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions#redacting-secrets-from-workflow-run-logs",
    ],
    example_path: ".github/workflows/debug.yml",
    positive: &[
        r#"on: workflow_dispatch
permissions:
  contents: read
jobs:
  debug:
    runs-on: ubuntu-latest
    steps:
      - run: echo "Token is ${{ secrets.NPM_TOKEN }}"
"#,
        r#"on: workflow_dispatch
permissions:
  contents: read
jobs:
  debug:
    runs-on: ubuntu-latest
    env:
      KUBECONFIG_DATA: ${{ secrets.KUBECONFIG }}
    steps:
      - name: Show config
        run: |
          echo "$KUBECONFIG_DATA" | base64 -d
          echo "$KUBECONFIG_DATA"
"#,
    ],
    negative: &[r#"on: workflow_dispatch
permissions:
  contents: read
jobs:
  login:
    runs-on: ubuntu-latest
    steps:
      - env:
          REGISTRY_PASSWORD: ${{ secrets.REGISTRY_PASSWORD }}
        run: |
          echo "$REGISTRY_PASSWORD" | docker login ghcr.io -u bot --password-stdin
          echo "NPM_TOKEN=${{ secrets.NPM_TOKEN }}" >> "$GITHUB_ENV"
          echo "Logged in"
"#],
};

const PRINTERS: [&str; 6] = [
    "echo",
    "printf",
    "write-host",
    "write-output",
    "print",
    "console.log",
];

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    let workflow_env = w.root.get("env");
    for (job, step) in w.steps() {
        let Some(run) = step.run() else { continue };
        // Environment variables that hold a secret, visible to this step.
        let mut secret_env = Vec::new();
        for env in [workflow_env, job.node.get("env"), step.node.get("env")]
            .into_iter()
            .flatten()
        {
            for (k, v) in entries(env) {
                if let (Some(k), Some(v)) = (k.as_str(), v.as_str())
                    && has_secret_expression(&v.to_ascii_lowercase())
                {
                    secret_env.push(k.trim().to_ascii_lowercase());
                }
            }
        }
        let text = run.as_str().unwrap_or_default();
        let hit = text.lines().find(|line| {
            let l = line.trim().to_ascii_lowercase();
            if !PRINTERS.iter().any(|p| l.starts_with(p)) || l.contains('|') || l.contains('>') {
                return false;
            }
            has_secret_expression(&l)
                || secret_env.iter().any(|e| {
                    l.contains(&format!("${e}"))
                        || l.contains(&format!("${{{e}}}"))
                        || l.contains(&format!("$env:{e}"))
                })
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
