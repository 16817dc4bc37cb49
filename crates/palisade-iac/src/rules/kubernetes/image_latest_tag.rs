//! `iac.k8s.image-latest-tag`: the image is whatever `latest` points at today.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::containers;
use crate::kubernetes::Object;
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.image-latest-tag",
    name: "Container image uses the latest tag or no tag",
    severity: Severity::Low,
    framework: "kubernetes",
    checkov: &["CKV_K8S_14"],
    description: "`latest` (or no tag) is a moving target: every restart may pull a different image, so an attacker who can push to the repository reaches production on the next reschedule, and what runs cannot be audited.",
    remediation: "Pin a version tag, or better the digest (`image@sha256:...`).",
    references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    example_path: "deploy.yaml",
    positive: &[
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: nginx
      image: nginx:latest
",
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: migrate
      image: registry.example.com:5000/team/migrate
  containers:
    - name: app
      image: example/app:1.0
",
    ],
    negative: &[r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: nginx
      image: nginx:1.27.0
    - name: sidecar
      image: registry.example.com:5000/proxy@sha256:4f0d2f7bd1d7c6f27e1a0b4f1b64b2c3d9e8a7f6b5c4d3e2f1a0b9c8d7e6f5a4
"],
};

/// Whether an image reference floats: no digest and a missing or `latest` tag.
pub(crate) fn image_floats(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (_, container) in containers(objects) {
        if let Some(entry) = container.node.entry("image")
            && entry.value.as_str().is_some_and(image_floats)
        {
            hit(out, &RULE, entry.key_pos, container.subject.clone());
        }
    }
}
