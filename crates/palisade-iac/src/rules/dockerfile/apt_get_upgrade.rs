//! `iac.dockerfile.apt-get-upgrade`: the base image upgraded in place.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{commands, is_apt};
use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.apt-get-upgrade",
    name: "RUN upgrades every package of the base image",
    severity: Severity::Low,
    framework: "dockerfile",
    checkov: &[],
    description: "`apt-get upgrade` / `dist-upgrade` makes the image's contents depend on the day it was built: builds stop being reproducible, vulnerability scans of the base image no longer describe the result, and upgrades of essential packages can break inside an unprivileged container.",
    remediation: "Rebuild on a newer, patched base image tag instead; install the specific packages you need at pinned versions.",
    references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    example_path: "Dockerfile",
    positive: &["FROM ubuntu:24.04\nRUN apt-get update && apt-get -y dist-upgrade\n"],
    negative: &["FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --only-upgrade openssl\n"],
};

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    for stage in &file.stages {
        for run in stage.of("RUN") {
            if commands(&run.args)
                .iter()
                .any(|c| is_apt(c, &["upgrade", "dist-upgrade", "full-upgrade"]))
            {
                hit(
                    out,
                    &RULE,
                    Pos::new(run.line, 1),
                    format!("{}/RUN upgrade", stage.subject()),
                );
            }
        }
    }
}
