//! `iac.dockerfile.healthcheck-missing`: no HEALTHCHECK for the image.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.healthcheck-missing",
    name: "Image has no HEALTHCHECK",
    severity: Severity::Low,
    framework: "dockerfile",
    checkov: &["CKV_DOCKER_2"],
    description: "Without a health check the engine cannot tell a hung or hijacked process from a healthy one, so a container that stopped serving (or was crashed on purpose) keeps running unnoticed.",
    remediation: "Add a `HEALTHCHECK CMD ...` that probes the service (orchestrators with their own probes, like Kubernetes, may make it unnecessary).",
    references: &["https://docs.docker.com/reference/dockerfile/#healthcheck"],
    example_path: "Dockerfile",
    positive: &[
        "FROM node:22-alpine\nCOPY . /app\nCMD [\"node\", \"/app/server.js\"]\n",
        "FROM node:22-alpine\nHEALTHCHECK NONE\nCMD [\"node\", \"/app/server.js\"]\n",
    ],
    negative: &[
        "FROM node:22-alpine\nCOPY . /app\nHEALTHCHECK --interval=30s CMD wget -qO- http://localhost:3000/health || exit 1\nCMD [\"node\", \"/app/server.js\"]\n",
    ],
};

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    let Some(last) = file.final_stage() else { return };
    let chain = file.final_chain();
    // The last HEALTHCHECK along the chain of stages wins.
    let latest = chain.iter().find_map(|s| s.of("HEALTHCHECK").last());
    let disabled = latest.is_none_or(|h| h.args.trim().eq_ignore_ascii_case("NONE"));
    if disabled {
        let line = latest.map_or(last.line, |h| h.line);
        hit(out, &RULE, Pos::new(line, 1), last.subject());
    }
}
