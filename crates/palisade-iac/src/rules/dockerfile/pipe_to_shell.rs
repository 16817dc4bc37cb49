//! `iac.dockerfile.pipe-to-shell`: a downloaded script run without verification.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::program;
use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.pipe-to-shell",
    name: "RUN pipes a download straight into a shell",
    severity: Severity::Medium,
    framework: "dockerfile",
    checkov: &[],
    description: "`curl ... | sh` runs whatever the server (or anyone who compromised it, its CDN or DNS) returns at build time, as root, with no checksum or signature: a supply-chain attack needs only to change that one file.",
    remediation: "Download to a file, verify its checksum or signature, then run it; or install from a package repository with signed metadata.",
    references: &["https://docs.docker.com/build/building/best-practices/#using-pipes"],
    example_path: "Dockerfile",
    positive: &[
        "FROM debian:12\nRUN curl -fsSL https://example.com/install.sh | sh\n",
        "FROM debian:12\nRUN wget -qO- https://example.com/install.sh | sudo bash -s -- --yes\n",
    ],
    negative: &[
        "FROM debian:12\nRUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n && echo \"5f2b7a0f4c3e9d8b1a6f0e2d4c8b7a9f3e1d5c2b8a4f6e0d7c9b3a1f5e2d8c4b  /tmp/install.sh\" | sha256sum -c - \\\n && sh /tmp/install.sh\n",
    ],
};

const FETCHERS: &[&str] = &["curl", "wget"];
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "ash",
    "dash",
    "/bin/sh",
    "/bin/bash",
    "/usr/bin/env",
];

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    for stage in &file.stages {
        for run in stage.of("RUN") {
            let piped = run
                .args
                .split(['\n', ';'])
                .flat_map(|line| line.split("&&"))
                .flat_map(|chain| chain.split("||"))
                .any(|chain| {
                    let parts: Vec<Vec<&str>> =
                        chain.split('|').map(|p| p.split_whitespace().collect()).collect();
                    parts.windows(2).any(|pair| {
                        program(&pair[0]).first().is_some_and(|p| FETCHERS.contains(p))
                            && program(&pair[1]).first().is_some_and(|p| SHELLS.contains(p))
                    })
                });
            if piped {
                hit(
                    out,
                    &RULE,
                    Pos::new(run.line, 1),
                    format!("{}/RUN pipe to shell", stage.subject()),
                );
            }
        }
    }
}
