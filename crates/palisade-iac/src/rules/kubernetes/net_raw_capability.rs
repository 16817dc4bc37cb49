//! `iac.k8s.net-raw-capability`: `NET_RAW` kept (the runtime grants it by default).

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{capabilities, containers};
use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.net-raw-capability",
    name: "Container keeps the NET_RAW capability",
    severity: Severity::Medium,
    framework: "kubernetes",
    checkov: &["CKV_K8S_28"],
    description: "Container runtimes grant NET_RAW by default; with it a compromised container can craft raw packets to spoof traffic, ARP- or DNS-poison its neighbours on the node network, and exploit kernel bugs in raw socket handling.",
    remediation: "Add `securityContext.capabilities.drop: [\"ALL\"]` (or at least `NET_RAW`) and add back only what the workload needs.",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container",
    ],
    example_path: "deploy.yaml",
    positive: &[
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
",
        r"apiVersion: v1
kind: Pod
metadata:
  name: ping
spec:
  containers:
    - name: ping
      image: example/ping:1.0
      securityContext:
        capabilities:
          drop: [ALL]
          add: [NET_RAW]
",
    ],
    negative: &[r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
      securityContext:
        capabilities:
          drop: ["ALL"]
"#],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (_, container) in containers(objects) {
        if let Some((added, node)) = capabilities(container, "add")
            && added.iter().any(|c| c == "NET_RAW" || c == "ALL")
        {
            hit(out, &RULE, node.pos, container.subject.clone());
            continue;
        }
        let dropped = capabilities(container, "drop")
            .is_some_and(|(names, _)| names.iter().any(|c| c == "NET_RAW" || c == "ALL"));
        if !dropped {
            hit(out, &RULE, container.node.pos, container.subject.clone());
        }
    }
}
