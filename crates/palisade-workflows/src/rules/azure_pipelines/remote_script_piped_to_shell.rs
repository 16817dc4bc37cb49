//! `iac.azure-pipelines.remote-script-piped-to-shell`: a script downloads
//! code and runs it unchecked (`curl ... | bash`).

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::Pipeline;
use crate::rules::report_at;
use crate::text::remote_script_line;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.remote-script-piped-to-shell",
    name: "Script downloads code and runs it without verification",
    severity: Severity::Medium,
    framework: "azure-pipelines",
    checkov: &[],
    description: "Piping a download into a shell runs whatever the server returns at that moment, next to the pipeline's secrets and service connections: a compromised site, CDN or DNS entry becomes code execution in every build.",
    remediation: "Download to a file, verify a pinned checksum or signature, then run it; better, use a versioned package, a pinned tool installer task or a container image with the tool.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/misc",
        "https://owasp.org/www-project-top-10-ci-cd-security-risks/CICD-SEC-03-Dependency-Chain-Abuse",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r"trigger:
- main
pool:
  vmImage: ubuntu-latest
steps:
- script: |
    set -e
    curl -sSL https://get.example.dev/install.sh | sudo bash
    tool --version
",
        r"steps:
- powershell: iex ((New-Object System.Net.WebClient).DownloadString('https://chocolatey.org/install.ps1'))
",
    ],
    negative: &[r"trigger:
- main
steps:
- script: |
    curl -sSLo install.sh https://get.example.dev/install.sh
    echo '5d41402abc4b2a76b9719d911017c592  install.sh' | md5sum -c
    bash install.sh
    # curl https://example.dev/x.sh | bash  (old way)
"],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for step in p.steps() {
        for script in step.inline_scripts() {
            let Some(text) = script.as_str() else { continue };
            if let Some(line) = remote_script_line(text) {
                report_at(
                    out,
                    &RULE,
                    script.position_of(p.source, line),
                    step.subject.clone(),
                );
            }
        }
    }
}
