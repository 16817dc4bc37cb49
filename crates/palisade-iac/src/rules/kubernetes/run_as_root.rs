//! `iac.k8s.container-may-run-as-root`: nothing stops the container running as UID 0.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::containers;
use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.container-may-run-as-root",
    name: "Container may run as root",
    severity: Severity::Medium,
    framework: "kubernetes",
    checkov: &["CKV_K8S_23"],
    description: "Without `runAsNonRoot: true` or a non-zero `runAsUser` (on the container or the pod), the container runs as whatever user its image says, usually root; a root process is one kernel or runtime bug away from the node.",
    remediation: "Set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod or container `securityContext`, and build the image with a non-root `USER`.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"],
    example_path: "deploy.yaml",
    positive: &[
        r"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: agent
          image: example/agent:3.2
",
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
  containers:
    - name: app
      image: example/app:1.0
      securityContext:
        runAsUser: 0
",
    ],
    negative: &[
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: app
      image: example/app:1.0
",
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
      securityContext:
        runAsUser: 1000
",
    ],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (pod, container) in containers(objects) {
        // The container's settings override the pod's.
        let user = container.security("runAsUser");
        if let Some((value, pos)) = user
            && value.as_num() == Some(0.0)
        {
            hit(out, &RULE, pos, container.subject.clone());
            continue;
        }
        let non_root = container
            .security("runAsNonRoot")
            .map(|(v, _)| v)
            .or_else(|| pod.security("runAsNonRoot"))
            .and_then(crate::tree::Node::as_bool);
        let uid = user
            .map(|(v, _)| v)
            .or_else(|| pod.security("runAsUser"))
            .and_then(crate::tree::Node::as_num);
        if non_root != Some(true) && !uid.is_some_and(|u| u > 0.0) {
            hit(out, &RULE, container.node.pos, container.subject.clone());
        }
    }
}
