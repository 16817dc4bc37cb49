//! `iac.k8s.secret-in-env`: secrets handed to the container as environment variables.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::containers;
use crate::kubernetes::Object;
use crate::rules::hit;
use crate::tree::Node;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.secret-in-env",
    name: "Secret is exposed as an environment variable",
    severity: Severity::Low,
    framework: "kubernetes",
    checkov: &["CKV_K8S_35"],
    description: "Environment variables leak: they are inherited by every child process, printed by crash reporters and debug endpoints, and readable through /proc; a secret mounted as a file is not, and it is updated when the Secret rotates.",
    remediation: "Mount the Secret as a volume (`volumes[].secret`) and read the value from the file.",
    references: &[
        "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod",
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
      env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: db
              key: password
",
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
      envFrom:
        - secretRef:
            name: app-secrets
",
    ],
    negative: &[r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
      env:
        - name: LOG_LEVEL
          value: info
      volumeMounts:
        - name: db
          mountPath: /run/secrets/db
          readOnly: true
  volumes:
    - name: db
      secret:
        secretName: db
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (_, container) in containers(objects) {
        for var in container.node.get("env").map(Node::items).unwrap_or_default() {
            if let Some(entry) = var.get("valueFrom").and_then(|v| v.entry("secretKeyRef")) {
                let name = var.get("name").and_then(Node::as_str).unwrap_or("unnamed");
                hit(
                    out,
                    &RULE,
                    entry.key_pos,
                    format!("{}/env {name}", container.subject),
                );
            }
        }
        for source in container.node.get("envFrom").map(Node::items).unwrap_or_default() {
            if let Some(entry) = source.entry("secretRef") {
                let name = entry
                    .value
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or("unnamed");
                hit(
                    out,
                    &RULE,
                    entry.key_pos,
                    format!("{}/envFrom {name}", container.subject),
                );
            }
        }
    }
}
