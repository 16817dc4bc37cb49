//! `iac.dockerfile.add-instead-of-copy`: ADD where COPY would do.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::dockerfile::Dockerfile;
use crate::rules::hit;
use crate::text::Pos;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.dockerfile.add-instead-of-copy",
    name: "ADD is used instead of COPY",
    severity: Severity::Low,
    framework: "dockerfile",
    checkov: &["CKV_DOCKER_4"],
    description: "`ADD` also fetches URLs and unpacks archives: a remote file enters the image without any integrity check, and a local archive is silently extracted (tar path tricks included) where a plain copy was meant.",
    remediation: "Use `COPY` for local files; download with `RUN curl` plus a checksum check, or `ADD --checksum=sha256:...` for a remote file.",
    references: &["https://docs.docker.com/build/building/best-practices/#add-or-copy"],
    example_path: "Dockerfile",
    positive: &[
        "FROM alpine:3.20\nADD app.tar.gz /opt/app/\n",
        "FROM alpine:3.20\nADD https://example.com/tool /usr/local/bin/tool\n",
    ],
    negative: &[
        "FROM alpine:3.20\nCOPY app/ /opt/app/\n",
        "FROM alpine:3.20\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool /usr/local/bin/tool\n",
    ],
};

pub(crate) fn check(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    for stage in &file.stages {
        for add in stage.of("ADD") {
            // A pinned checksum is the one case ADD does better than COPY.
            if add.args.split_whitespace().any(|w| w.starts_with("--checksum=")) {
                continue;
            }
            let source = add
                .args
                .split_whitespace()
                .find(|w| !w.starts_with("--"))
                .unwrap_or_default();
            let source: String = source.chars().take(80).collect();
            hit(
                out,
                &RULE,
                Pos::new(add.line, 1),
                format!("{}/ADD {source}", stage.subject()),
            );
        }
    }
}
