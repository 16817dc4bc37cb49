//! `iac.dockerfile.user-missing`: the image never switches away from root.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.user-missing",
    name: "Image sets no USER (runs as root)",
    severity: Severity::Medium,
    framework: "dockerfile",
    checkov: &["CKV_DOCKER_3"],
    description: "Without a `USER` instruction the container's process runs as root unless the base image says otherwise; code execution in the app is then root in the container, one runtime or kernel bug away from the host.",
    remediation: "Create an unprivileged user and switch to it before the entrypoint: `RUN adduser -D app` and `USER app` (or a numeric `USER 10001`).",
    references: &["https://docs.docker.com/build/building/best-practices/#user"],
    example_path: "Dockerfile",
    positive: &["FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n"],
    negative: &[
        "FROM python:3.12-slim\nRUN useradd -r app\nCOPY . /app\nUSER app\nCMD [\"python\", \"/app/main.py\"]\n",
        "FROM golang:1.23 AS build\nUSER 10001\nRUN go build -o /out/app .\nFROM build AS final\nCMD [\"/out/app\"]\n",
    ],
};

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    let Some(last) = file.final_stage() else { return };
    if file.final_chain().iter().all(|s| s.of("USER").next().is_none()) {
        hit(out, &RULE, Pos::new(last.line, 1), last.subject());
    }
}
