//! `iac.dockerfile.ssh-port-exposed`: the image exposes SSH.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.ssh-port-exposed",
    name: "Image exposes port 22 (SSH)",
    severity: Severity::Medium,
    framework: "dockerfile",
    checkov: &["CKV_DOCKER_1"],
    description: "An SSH server in a container is an extra way in with its own credentials to steal or brute-force, and usually means the container is managed by hand instead of being rebuilt.",
    remediation: "Remove `EXPOSE 22` and the SSH server; use `docker exec` / `kubectl exec` for debugging.",
    references: &["https://docs.docker.com/reference/dockerfile/#expose"],
    example_path: "Dockerfile",
    positive: &[
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y openssh-server\nEXPOSE 80 22/tcp\n",
    ],
    negative: &["FROM nginx:1.27\nEXPOSE 80 443\nEXPOSE 2222\n"],
};

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    for stage in &file.stages {
        for expose in stage.of("EXPOSE") {
            let ssh = expose
                .args
                .split_whitespace()
                .any(|p| p.split('/').next() == Some("22"));
            if ssh {
                hit(
                    out,
                    &RULE,
                    Pos::new(expose.line, 1),
                    format!("{}/EXPOSE 22", stage.subject()),
                );
            }
        }
    }
}
