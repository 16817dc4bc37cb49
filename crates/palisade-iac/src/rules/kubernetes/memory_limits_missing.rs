//! `iac.k8s.memory-limits-missing`: no memory limit.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::containers;
use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.memory-limits-missing",
    name: "Memory limit is not set",
    severity: Severity::Low,
    framework: "kubernetes",
    checkov: &["CKV_K8S_13"],
    description: "A container without a memory limit can use all the node's memory, getting other pods OOM-killed or evicted (a denial of service by one workload).",
    remediation: "Set `resources.limits.memory` on every container (a LimitRange can supply defaults per namespace).",
    references: &["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/app:1.0
          resources:
            requests:
              memory: 64Mi
"],
    negative: &[r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/app:1.0
          resources:
            limits:
              cpu: 500m
              memory: 256Mi
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (_, container) in containers(objects) {
        if container.node.path(&["resources", "limits", "memory"]).is_none() {
            let pos = container
                .node
                .entry("resources")
                .map_or(container.node.pos, |e| e.key_pos);
            hit(out, &RULE, pos, container.subject.clone());
        }
    }
}
