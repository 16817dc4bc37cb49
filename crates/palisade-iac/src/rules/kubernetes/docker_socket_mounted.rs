//! `iac.k8s.docker-socket-mounted`: the container runtime's socket inside a pod.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::kubernetes::Object;
use crate::rules::hit;
use crate::tree::Node;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.docker-socket-mounted",
    name: "Pod mounts the container runtime socket",
    severity: Severity::Critical,
    framework: "kubernetes",
    checkov: &["CKV_K8S_27"],
    description: "Whoever can talk to the Docker (or containerd, CRI-O) socket can start a privileged container with the host's root filesystem mounted: a pod that mounts it is root on the node.",
    remediation: "Remove the `hostPath` volume for the socket; build images with rootless tools (BuildKit rootless, Kaniko) and read container metadata through the Kubernetes API.",
    references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    example_path: "deploy.yaml",
    positive: &[r"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: builder
spec:
  template:
    spec:
      containers:
        - name: docker
          image: docker:27-cli
          volumeMounts:
            - name: sock
              mountPath: /var/run/docker.sock
      volumes:
        - name: sock
          hostPath:
            path: /var/run/docker.sock
"],
    negative: &[r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
  volumes:
    - name: cache
      emptyDir: {}
    - name: logs
      hostPath:
        path: /var/log/app
"],
};

const SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
];

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for object in objects {
        let Some(pod) = &object.pod else { continue };
        for volume in pod.node.get("volumes").map(Node::items).unwrap_or_default() {
            if let Some(entry) = volume.get("hostPath").and_then(|h| h.entry("path"))
                && entry.value.as_str().is_some_and(|p| {
                    SOCKETS.contains(&p.trim_end_matches('/')) || p == "/var/run" || p == "/run"
                })
            {
                let name = volume.get("name").and_then(Node::as_str).unwrap_or("unnamed");
                hit(
                    out,
                    &RULE,
                    entry.key_pos,
                    format!("{}/volume {name}", object.subject),
                );
            }
        }
    }
}
