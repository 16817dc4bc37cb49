//! Kubernetes manifests: objects of a YAML stream (Helm-rendered output
//! included), their pod specs and containers wherever the kind keeps them.

use crate::text::Pos;
use crate::tree::Node;

pub(crate) const FRAMEWORK: &str = "kubernetes";

#[derive(Debug)]
pub(crate) struct Object<'a> {
    /// `Kind/name`: stable while the object keeps its kind and name.
    pub(crate) subject: String,
    pub(crate) node: &'a Node,
    pub(crate) pod: Option<PodSpec<'a>>,
}

#[derive(Debug)]
pub(crate) struct PodSpec<'a> {
    pub(crate) node: &'a Node,
    pub(crate) containers: Vec<Container<'a>>,
}

#[derive(Debug)]
pub(crate) struct Container<'a> {
    pub(crate) node: &'a Node,
    /// `Deployment/web/container nginx`.
    pub(crate) subject: String,
}

impl Container<'_> {
    /// A field of the container's `securityContext`, with where it was set.
    pub(crate) fn security(&self, key: &str) -> Option<(&Node, Pos)> {
        let entry = self.node.get("securityContext")?.entry(key)?;
        Some((&entry.value, entry.key_pos))
    }
}

impl PodSpec<'_> {
    /// A field of the pod's `securityContext`.
    pub(crate) fn security(&self, key: &str) -> Option<&Node> {
        self.node.path(&["securityContext", key])
    }
}

/// The objects of every document, a `List`'s items in its place.
pub(crate) fn objects(docs: &[Node]) -> Vec<Object<'_>> {
    let mut out = Vec::new();
    for doc in docs {
        collect(doc, &mut out, 0);
    }
    out
}

fn collect<'a>(doc: &'a Node, out: &mut Vec<Object<'a>>, depth: usize) {
    let (Some(kind_entry), Some(_)) = (doc.entry("kind"), doc.get("apiVersion")) else {
        return;
    };
    let Some(kind) = kind_entry.value.as_str() else {
        return;
    };
    if depth < 2 && (kind == "List" || kind.ends_with("List")) {
        for item in doc.get("items").map(Node::items).unwrap_or_default() {
            collect(item, out, depth + 1);
        }
        return;
    }
    let metadata = doc.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
        .and_then(Node::as_str)
        .unwrap_or("unnamed");
    let subject = format!("{kind}/{name}");
    let pod_path: &[&str] = match kind {
        "Pod" => &["spec"],
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job" => {
            &["spec", "template", "spec"]
        }
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        "PodTemplate" => &["template", "spec"],
        _ => &[],
    };
    let pod = (!pod_path.is_empty())
        .then(|| doc.path(pod_path))
        .flatten()
        .map(|node| PodSpec {
            node,
            containers: containers(node, &subject),
        });
    out.push(Object {
        subject,
        node: doc,
        pod,
    });
}

fn containers<'a>(pod: &'a Node, owner: &str) -> Vec<Container<'a>> {
    let mut out = Vec::new();
    for (field, label) in [("initContainers", "initContainer"), ("containers", "container")] {
        for (i, node) in pod
            .get(field)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let subject = match node.get("name").and_then(Node::as_str) {
                Some(name) => format!("{owner}/{label} {name}"),
                None => format!("{owner}/{label} #{}", i + 1),
            };
            out.push(Container { node, subject });
        }
    }
    out
}
