//! `iac.k8s.writable-root-filesystem`: the container can modify its own image.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::required_setting;
use crate::kubernetes::Object;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.writable-root-filesystem",
    name: "Container root filesystem is writable",
    severity: Severity::Low,
    framework: "kubernetes",
    checkov: &["CKV_K8S_22"],
    description: "A writable root filesystem lets an attacker who gains execution drop tools, alter binaries or plant persistence inside the running container.",
    remediation: "Set `securityContext.readOnlyRootFilesystem: true` and mount `emptyDir` volumes for the paths the application writes to.",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      containers:
        - name: postgres
          image: postgres:16
          securityContext:
            readOnlyRootFilesystem: false
"],
    negative: &[r"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      containers:
        - name: postgres
          image: postgres:16
          securityContext:
            readOnlyRootFilesystem: true
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    required_setting(objects, out, &RULE, "readOnlyRootFilesystem", true);
}
