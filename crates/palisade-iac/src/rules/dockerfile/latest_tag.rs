//! `iac.dockerfile.latest-tag`: a base image that floats.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.latest-tag",
    name: "Base image uses the latest tag or no tag",
    severity: Severity::Low,
    framework: "dockerfile",
    checkov: &["CKV_DOCKER_7"],
    description: "`FROM image` or `FROM image:latest` builds on whatever the tag points at that day: builds are not reproducible, and a compromised or broken upstream push flows straight into your image.",
    remediation: "Pin a version tag, or better the digest (`FROM node:22-alpine@sha256:...`) and update it deliberately (Dependabot and Renovate can).",
    references: &["https://docs.docker.com/build/building/best-practices/#from"],
    example_path: "Dockerfile",
    positive: &[
        "FROM ubuntu\nRUN echo hi\n",
        "FROM --platform=linux/amd64 registry.example.com:5000/base:latest AS base\nFROM base\n",
    ],
    negative: &[
        "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
        "ARG BASE=alpine:3.20\nFROM ${BASE}\n",
        "FROM alpine@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d\n",
    ],
};

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    for stage in &file.stages {
        let image = stage.image.as_str();
        if image.is_empty()
            || image.eq_ignore_ascii_case("scratch")
            || image.contains('$')
            || file.is_stage_name(image, stage.index)
        {
            continue;
        }
        if crate::rules::kubernetes::image_latest_tag::image_floats(image) {
            hit(
                out,
                &RULE,
                Pos::new(stage.line, 1),
                format!("{}/FROM {image}", stage.subject()),
            );
        }
    }
}
