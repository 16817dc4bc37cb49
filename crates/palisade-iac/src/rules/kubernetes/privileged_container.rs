//! `iac.k8s.privileged-container`: a container with all host privileges.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::containers;
use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.privileged-container",
    name: "Container runs privileged",
    severity: Severity::Critical,
    framework: "kubernetes",
    checkov: &["CKV_K8S_16"],
    description: "A privileged container has every capability and access to all host devices; escaping to the node (and from there to the cluster) is trivial for anyone who gets code execution in it.",
    remediation: "Remove `privileged: true`; grant only the specific capabilities the workload needs.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          securityContext:
            privileged: true
"],
    negative: &[r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: nginx
      image: nginx:1.27
      securityContext:
        privileged: false
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (_, container) in containers(objects) {
        if let Some((value, pos)) = container.security("privileged")
            && value.as_bool() == Some(true)
        {
            hit(out, &RULE, pos, container.subject.clone());
        }
    }
}
