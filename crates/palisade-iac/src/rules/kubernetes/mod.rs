//! Kubernetes rules over every object of a manifest stream.

mod cpu_limits_missing;
mod default_namespace;
mod docker_socket_mounted;
mod host_ipc;
mod host_network;
mod host_pid;
pub(crate) mod image_latest_tag;
mod memory_limits_missing;
mod net_raw_capability;
mod privilege_escalation;
mod privileged_container;
mod run_as_root;
mod secret_in_env;
mod sys_admin_capability;
mod writable_root_filesystem;

use palisade_domain::{RuleMatch, StaticRule};

use crate::kubernetes::{Container, Object, PodSpec};
use crate::rules::hit;
use crate::tree::Node;

pub(crate) type Check = fn(&[Object<'_>], &mut Vec<RuleMatch>);

pub(crate) static RULES: &[(&StaticRule, Check)] = &[
    (&cpu_limits_missing::RULE, cpu_limits_missing::check),
    (&default_namespace::RULE, default_namespace::check),
    (&docker_socket_mounted::RULE, docker_socket_mounted::check),
    (&host_ipc::RULE, host_ipc::check),
    (&host_network::RULE, host_network::check),
    (&host_pid::RULE, host_pid::check),
    (&image_latest_tag::RULE, image_latest_tag::check),
    (&memory_limits_missing::RULE, memory_limits_missing::check),
    (&net_raw_capability::RULE, net_raw_capability::check),
    (&privilege_escalation::RULE, privilege_escalation::check),
    (&privileged_container::RULE, privileged_container::check),
    (&run_as_root::RULE, run_as_root::check),
    (&secret_in_env::RULE, secret_in_env::check),
    (&sys_admin_capability::RULE, sys_admin_capability::check),
    (&writable_root_filesystem::RULE, writable_root_filesystem::check),
];

pub(crate) fn run(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    for (_, check) in RULES {
        check(objects, out);
    }
}

/// Every container (init containers included) with its pod.
pub(crate) fn containers<'a>(
    objects: &'a [Object<'a>],
) -> impl Iterator<Item = (&'a PodSpec<'a>, &'a Container<'a>)> + 'a {
    objects
        .iter()
        .filter_map(|o| o.pod.as_ref())
        .flat_map(|pod| pod.containers.iter().map(move |c| (pod, c)))
}

/// A pod-level boolean such as `hostNetwork: true`.
pub(crate) fn pod_flag(
    objects: &[Object<'_>],
    out: &mut Vec<RuleMatch>,
    rule: &'static StaticRule,
    key: &str,
) {
    for object in objects {
        if let Some(pod) = &object.pod
            && let Some(entry) = pod.node.entry(key)
            && entry.value.as_bool() == Some(true)
        {
            hit(out, rule, entry.key_pos, object.subject.clone());
        }
    }
}

/// A container security setting that must be `want`: flagged where it is
/// set otherwise, or at the container when it is missing.
pub(crate) fn required_setting(
    objects: &[Object<'_>],
    out: &mut Vec<RuleMatch>,
    rule: &'static StaticRule,
    key: &str,
    want: bool,
) {
    for (_, container) in containers(objects) {
        match container.security(key) {
            Some((value, _)) if value.as_bool() == Some(want) => {}
            Some((_, pos)) => hit(out, rule, pos, container.subject.clone()),
            None => hit(out, rule, container.node.pos, container.subject.clone()),
        }
    }
}

/// The names in `securityContext.capabilities.<list>` (upper case, `CAP_` dropped).
pub(crate) fn capabilities<'a>(container: &'a Container<'a>, list: &str) -> Option<(Vec<String>, &'a Node)> {
    let node = container.node.path(&["securityContext", "capabilities", list])?;
    let names = node
        .items()
        .iter()
        .filter_map(Node::as_str)
        .map(|c| {
            let c = c.trim().to_ascii_uppercase();
            c.strip_prefix("CAP_").map(str::to_owned).unwrap_or(c)
        })
        .collect();
    Some((names, node))
}
