//! `iac.k8s.sys-admin-capability`: `CAP_SYS_ADMIN` added.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{capabilities, containers};
use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.sys-admin-capability",
    name: "Container adds the SYS_ADMIN capability",
    severity: Severity::High,
    framework: "kubernetes",
    checkov: &["CKV_K8S_39"],
    description: "SYS_ADMIN is \"the new root\": it allows mounting filesystems, using namespaces and many other administrative operations that lead straight out of the container.",
    remediation: "Remove `SYS_ADMIN` from `capabilities.add`; find the narrower capability or a different design for what the workload does.",
    references: &["https://man7.org/linux/man-pages/man7/capabilities.7.html"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: v1
kind: Pod
metadata:
  name: fuse
spec:
  containers:
    - name: fuse
      image: example/fuse:1.0
      securityContext:
        capabilities:
          add: [CAP_SYS_ADMIN]
"],
    negative: &[r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: example/web:1.0
      securityContext:
        capabilities:
          add: [NET_BIND_SERVICE]
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (_, container) in containers(objects) {
        if let Some((added, node)) = capabilities(container, "add")
            && added.iter().any(|c| c == "SYS_ADMIN" || c == "ALL")
        {
            hit(out, &RULE, node.pos, container.subject.clone());
        }
    }
}
