//! `iac.dockerfile.root-user`: the final USER is root.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.root-user",
    name: "Image's last USER is root",
    severity: Severity::Medium,
    framework: "dockerfile",
    checkov: &["CKV_DOCKER_8"],
    description: "Switching back to root for the final instructions leaves the container's process running as root: code execution in the app is root in the container.",
    remediation: "End the final stage with `USER` set to an unprivileged user; switch to root only around the instructions that need it.",
    references: &["https://docs.docker.com/build/building/best-practices/#user"],
    example_path: "Dockerfile",
    positive: &[
        "FROM debian:12\nUSER app\nRUN make\nUSER root\nCMD [\"/usr/local/bin/app\"]\n",
        "FROM debian:12\nUSER 0:0\n",
    ],
    negative: &[
        "FROM debian:12\nUSER root\nRUN apt-get update && apt-get install -y curl\nUSER 10001\nCMD [\"/usr/local/bin/app\"]\n",
    ],
};

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    let Some(last) = file.final_stage() else { return };
    let latest = file.final_chain().iter().find_map(|s| s.of("USER").last());
    if let Some(user) = latest {
        let name = user.args.split(':').next().unwrap_or_default().trim();
        if name == "root" || name == "0" {
            hit(out, &RULE, Pos::new(user.line, 1), last.subject());
        }
    }
}
