//! `iac.k8s.host-network`: the pod shares the node's network namespace.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::pod_flag;
use crate::kubernetes::Object;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.host-network",
    name: "Pod shares the node's network namespace",
    severity: Severity::High,
    framework: "kubernetes",
    checkov: &["CKV_K8S_19"],
    description: "With `hostNetwork: true` the pod's containers can bind to node ports, sniff node traffic, reach services bound to localhost and bypass network policies; it breaks the isolation between the workload and the node.",
    remediation: "Remove `hostNetwork: true` (the default is false); node agents that truly need it belong in a dedicated, tightly controlled namespace.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: true
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
      hostNetwork: false
      containers:
        - name: app
          image: example/app:1.0
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    pod_flag(objects, out, &RULE, "hostNetwork");
}
