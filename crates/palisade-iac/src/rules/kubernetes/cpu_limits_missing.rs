//! `iac.k8s.cpu-limits-missing`: no cpu limit.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::containers;
use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.cpu-limits-missing",
    name: "CPU limit is not set",
    severity: Severity::Low,
    framework: "kubernetes",
    checkov: &["CKV_K8S_11"],
    description: "A container without a cpu limit can starve its neighbours of CPU time (a noisy or compromised pod, or a crypto miner, slows the whole node).",
    remediation: "Set `resources.limits.cpu` on every container (a LimitRange can supply defaults per namespace).",
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
              cpu: 100m
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
        if container.node.path(&["resources", "limits", "cpu"]).is_none() {
            let pos = container
                .node
                .entry("resources")
                .map_or(container.node.pos, |e| e.key_pos);
            hit(out, &RULE, pos, container.subject.clone());
        }
    }
}
