//! `iac.github-actions.secret-in-curl-command`: a secret is pasted into a
//! `curl`/`wget` command line.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report_at;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.secret-in-curl-command",
    name: "Secret is interpolated into a curl or wget command line",
    severity: Severity::Medium,
    framework: "github-actions",
    checkov: &["CKV_GHA_3"],
    description: "`${{ secrets.X }}` in a `run` script is written into the script file on the runner and ends up in the process list (`/proc/*/cmdline`) where other processes of the job can read it; a quote or `$` in the secret breaks the command or changes it, and a URL with the secret can be logged by proxies and servers.",
    remediation: "Map the secret to an environment variable (`env: { API_TOKEN: ${{ secrets.API_TOKEN }} }`) and read it from a config file or header file (`curl -H @headers.txt`, `--netrc-file`), or use an action that takes the secret as an input.",
    references: &[
        "https://docs.github.com/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions#using-secrets-in-a-workflow",
        "https://everything.curl.dev/cmdline/passwords.html",
    ],
    example_path: ".github/workflows/notify.yml",
    positive: &[r#"on: push
permissions:
  contents: read
jobs:
  notify:
    runs-on: ubuntu-latest
    steps:
      - run: |
          curl -X POST -H "Authorization: Bearer ${{ secrets.DEPLOY_TOKEN }}" https://deploy.example.com/hooks/main
"#],
    negative: &[r#"on: push
permissions:
  contents: read
jobs:
  notify:
    runs-on: ubuntu-latest
    steps:
      - env:
          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}
        run: |
          printf 'header = "Authorization: Bearer %s"\n' "$DEPLOY_TOKEN" > .curlrc
          curl -K .curlrc -X POST https://deploy.example.com/hooks/main
"#],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    for (_, step) in w.steps() {
        let Some(run) = step.run() else { continue };
        let text = run.as_str().unwrap_or_default();
        let hit = text.lines().find(|line| {
            let l = line.to_ascii_lowercase();
            (has_word(&l, "curl") || has_word(&l, "wget")) && has_secret_expression(&l)
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

/// `${{ secrets.X }}` (any spacing) in a lowercase line.
pub(crate) fn has_secret_expression(lower: &str) -> bool {
    crate::text::expressions(lower)
        .iter()
        .any(|(_, inner)| inner.contains("secrets.") || inner.contains("secrets["))
}

fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
            && after.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
    })
}
