//! `iac.k8s.host-pid`: the pod shares the host's process namespace.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::pod_flag;
use crate::kubernetes::Object;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.host-pid",
    name: "Pod shares the host's process namespace",
    severity: Severity::High,
    framework: "kubernetes",
    checkov: &["CKV_K8S_17"],
    description: "With `hostPID: true` the pod's containers can see and signal every process on the node, read their environment and memory through /proc, and attach to them; it breaks the isolation between the workload and the node.",
    remediation: "Remove `hostPID: true` (the default is false); node agents that truly need it belong in a dedicated, tightly controlled namespace.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostPID: true
      containers:
        - name: app
          image: example/app:1.0
"],
    negative: &[r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostPID: false
      containers:
        - name: app
          image: example/app:1.0
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    pod_flag(objects, out, &RULE, "hostPID");
}
