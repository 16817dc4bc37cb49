//! `iac.github-actions.remote-script-piped-to-shell`: a `run` step
//! downloads code and runs it unchecked (`curl ... | bash`).

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::github::Workflow;
use crate::rules::report_at;
use crate::text::remote_script_line;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.github-actions.remote-script-piped-to-shell",
    name: "Step downloads code and runs it without verification",
    severity: Severity::Medium,
    framework: "github-actions",
    checkov: &[],
    description: "Piping a download into a shell runs whatever the server returns at that moment, with the job's token and secrets: a compromised site, CDN or DNS entry becomes code execution in every run (as with the Codecov bash uploader in 2021).",
    remediation: "Download to a file, verify a pinned checksum or signature, then run it; better, use a pinned action or a versioned package.",
    references: &[
        "https://about.codecov.io/security-update/",
        "https://owasp.org/www-project-top-10-ci-cd-security-risks/CICD-SEC-03-Dependency-Chain-Abuse",
    ],
    example_path: ".github/workflows/ci.yml",
    positive: &[r"on: push
permissions:
  contents: read
jobs:
  coverage:
    runs-on: ubuntu-latest
    steps:
      - name: Upload coverage
        run: |
          make coverage
          bash <(curl -s https://codecov.io/bash)
"],
    negative: &[r"on: push
permissions:
  contents: read
jobs:
  coverage:
    runs-on: ubuntu-latest
    steps:
      - name: Install tool
        run: |
          curl -fsSLo tool.tgz https://example.dev/tool-1.2.3.tgz
          echo 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  tool.tgz' | sha256sum -c
          tar xzf tool.tgz
"],
};

pub(crate) fn check(w: &Workflow<'_>, out: &mut Vec<RuleMatch>) {
    for (_, step) in w.steps() {
        let Some(run) = step.run() else { continue };
        if let Some(line) = run.as_str().and_then(remote_script_line) {
            report_at(out, &RULE, run.position_of(w.source, line), step.subject.clone());
        }
    }
}
