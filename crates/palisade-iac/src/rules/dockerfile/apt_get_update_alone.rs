//! `iac.dockerfile.apt-get-update-alone`: a package index refreshed in its own layer.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{commands, is_apt, program};
use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.apt-get-update-alone",
    name: "Package index update runs alone in its RUN",
    severity: Severity::Low,
    framework: "dockerfile",
    checkov: &["CKV_DOCKER_5"],
    description: "A `RUN apt-get update` (or `apk update`) on its own is cached as a layer: later installs reuse the stale index and keep installing old, vulnerable package versions long after fixes are published.",
    remediation: "Update and install in the same `RUN`: `RUN apt-get update && apt-get install -y --no-install-recommends pkg && rm -rf /var/lib/apt/lists/*`.",
    references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    example_path: "Dockerfile",
    positive: &[
        "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n",
        "FROM alpine:3.20\nRUN apk update\n",
    ],
    negative: &[
        "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
        "FROM alpine:3.20\nRUN apk update && apk add --no-cache curl\n",
    ],
};

fn is_update(words: &[&str]) -> bool {
    is_apt(words, &["update"]) || {
        let words = program(words);
        words.first() == Some(&"apk") && words.get(1) == Some(&"update")
    }
}

fn is_install(words: &[&str]) -> bool {
    is_apt(words, &["install", "upgrade", "dist-upgrade", "full-upgrade"]) || {
        let words = program(words);
        words.first() == Some(&"apk") && matches!(words.get(1), Some(&("add" | "upgrade")))
    }
}

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    for stage in &file.stages {
        for run in stage.of("RUN") {
            let cmds = commands(&run.args);
            if cmds.iter().any(|c| is_update(c)) && !cmds.iter().any(|c| is_install(c)) {
                hit(
                    out,
                    &RULE,
                    Pos::new(run.line, 1),
                    format!("{}/RUN update", stage.subject()),
                );
            }
        }
    }
}
