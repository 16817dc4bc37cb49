//! `iac.k8s.host-ipc`: the pod shares the host's IPC namespace.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::pod_flag;
use crate::kubernetes::Object;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.host-ipc",
    name: "Pod shares the host's IPC namespace",
    severity: Severity::High,
    framework: "kubernetes",
    checkov: &["CKV_K8S_18"],
    description: "With `hostIPC: true` the pod's containers can read and write shared memory segments of every process on the node; it breaks the isolation between the workload and the node.",
    remediation: "Remove `hostIPC: true` (the default is false); node agents that truly need it belong in a dedicated, tightly controlled namespace.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostIPC: true
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
      hostIPC: false
      containers:
        - name: app
          image: example/app:1.0
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    pod_flag(objects, out, &RULE, "hostIPC");
}
