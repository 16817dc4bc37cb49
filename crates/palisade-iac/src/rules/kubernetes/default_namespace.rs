//! `iac.k8s.default-namespace`: an object placed in the `default` namespace.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.default-namespace",
    name: "Object is placed in the default namespace",
    severity: Severity::Low,
    framework: "kubernetes",
    checkov: &["CKV_K8S_21"],
    description: "The `default` namespace is where everything lands that nobody placed on purpose; RBAC, network policies, quotas and Pod Security admission are rarely tuned there, so workloads in it are the least isolated in the cluster.",
    remediation: "Put the object in a namespace of its own application (`metadata.namespace`) with its own RBAC and network policies.",
    references: &["https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  selector:
    app: web
  ports:
    - port: 80
"],
    negative: &[
        r"apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  ports:
    - port: 80
",
        r"apiVersion: v1
kind: Namespace
metadata:
  name: default
",
    ],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for object in objects {
        // Objects without a namespace are placed by `kubectl -n` or Helm at
        // deploy time: only an explicit `default` is known to be wrong.
        if let Some(entry) = object.node.get("metadata").and_then(|m| m.entry("namespace"))
            && entry.value.as_str() == Some("default")
        {
            hit(out, &RULE, entry.key_pos, object.subject.clone());
        }
    }
}
