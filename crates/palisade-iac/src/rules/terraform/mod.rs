//! Terraform rules, by provider: `azurerm_*`, `aws_*`, `google_*`.

mod aws_iam_policy_full_admin;
mod aws_iam_policy_on_user;
mod aws_iam_policy_wildcard_action;
mod aws_launch_config_ebs_unencrypted;
mod aws_rds_public;
mod aws_rds_unencrypted;
mod aws_s3_encryption_missing;
mod aws_s3_public_acl;
mod aws_s3_versioning_disabled;
mod aws_sg_rdp_internet;
mod aws_sg_ssh_internet;
mod azurerm_acr_admin;
mod azurerm_acr_public_network;
mod azurerm_aks_api_server_open;
mod azurerm_aks_dashboard;
mod azurerm_aks_logging;
mod azurerm_aks_rbac;
mod azurerm_app_service_auth;
mod azurerm_app_service_client_certs;
mod azurerm_app_service_http2;
mod azurerm_app_service_https;
mod azurerm_app_service_identity;
mod azurerm_app_service_min_tls;
mod azurerm_key_vault_key_expiry;
mod azurerm_key_vault_network;
mod azurerm_key_vault_purge_protection;
mod azurerm_key_vault_secret_expiry;
mod azurerm_managed_disk_encryption;
mod azurerm_nsg_rdp_internet;
mod azurerm_nsg_ssh_internet;
mod azurerm_sql_audit_retention;
mod azurerm_sql_auditing;
mod azurerm_sql_firewall_open;
mod azurerm_storage_blob_public;
mod azurerm_storage_container_public;
mod azurerm_storage_https_only;
mod azurerm_storage_min_tls;
mod azurerm_storage_network_default;
mod azurerm_storage_public_network;
mod azurerm_storage_queue_logging;
mod azurerm_vm_password_auth;
mod google_firewall_rdp_internet;
mod google_firewall_ssh_internet;
mod google_gke_shielded_nodes;
mod google_sql_public_network;
mod google_sql_ssl;
mod google_storage_uniform_access;

use palisade_domain::{RuleMatch, StaticRule};

use crate::terraform::{Block, Module};

pub(crate) type Check = fn(&Module, &mut Vec<RuleMatch>);

pub(crate) static RULES: &[(&StaticRule, Check)] = &[
    (&aws_iam_policy_full_admin::RULE, aws_iam_policy_full_admin::check),
    (
        &aws_iam_policy_wildcard_action::RULE,
        aws_iam_policy_wildcard_action::check,
    ),
    (&aws_iam_policy_on_user::RULE, aws_iam_policy_on_user::check),
    (
        &aws_launch_config_ebs_unencrypted::RULE,
        aws_launch_config_ebs_unencrypted::check,
    ),
    (&aws_rds_public::RULE, aws_rds_public::check),
    (&aws_rds_unencrypted::RULE, aws_rds_unencrypted::check),
    (&aws_s3_encryption_missing::RULE, aws_s3_encryption_missing::check),
    (&aws_s3_public_acl::RULE, aws_s3_public_acl::check),
    (
        &aws_s3_versioning_disabled::RULE,
        aws_s3_versioning_disabled::check,
    ),
    (&aws_sg_rdp_internet::RULE, aws_sg_rdp_internet::check),
    (&aws_sg_ssh_internet::RULE, aws_sg_ssh_internet::check),
    (&azurerm_acr_admin::RULE, azurerm_acr_admin::check),
    (
        &azurerm_acr_public_network::RULE,
        azurerm_acr_public_network::check,
    ),
    (
        &azurerm_aks_api_server_open::RULE,
        azurerm_aks_api_server_open::check,
    ),
    (&azurerm_aks_dashboard::RULE, azurerm_aks_dashboard::check),
    (&azurerm_aks_logging::RULE, azurerm_aks_logging::check),
    (&azurerm_aks_rbac::RULE, azurerm_aks_rbac::check),
    (&azurerm_app_service_auth::RULE, azurerm_app_service_auth::check),
    (
        &azurerm_app_service_client_certs::RULE,
        azurerm_app_service_client_certs::check,
    ),
    (&azurerm_app_service_http2::RULE, azurerm_app_service_http2::check),
    (&azurerm_app_service_https::RULE, azurerm_app_service_https::check),
    (
        &azurerm_app_service_identity::RULE,
        azurerm_app_service_identity::check,
    ),
    (
        &azurerm_app_service_min_tls::RULE,
        azurerm_app_service_min_tls::check,
    ),
    (
        &azurerm_key_vault_key_expiry::RULE,
        azurerm_key_vault_key_expiry::check,
    ),
    (&azurerm_key_vault_network::RULE, azurerm_key_vault_network::check),
    (
        &azurerm_key_vault_purge_protection::RULE,
        azurerm_key_vault_purge_protection::check,
    ),
    (
        &azurerm_key_vault_secret_expiry::RULE,
        azurerm_key_vault_secret_expiry::check,
    ),
    (
        &azurerm_managed_disk_encryption::RULE,
        azurerm_managed_disk_encryption::check,
    ),
    (&azurerm_nsg_rdp_internet::RULE, azurerm_nsg_rdp_internet::check),
    (&azurerm_nsg_ssh_internet::RULE, azurerm_nsg_ssh_internet::check),
    (
        &azurerm_sql_audit_retention::RULE,
        azurerm_sql_audit_retention::check,
    ),
    (&azurerm_sql_auditing::RULE, azurerm_sql_auditing::check),
    (&azurerm_sql_firewall_open::RULE, azurerm_sql_firewall_open::check),
    (
        &azurerm_storage_blob_public::RULE,
        azurerm_storage_blob_public::check,
    ),
    (
        &azurerm_storage_container_public::RULE,
        azurerm_storage_container_public::check,
    ),
    (
        &azurerm_storage_https_only::RULE,
        azurerm_storage_https_only::check,
    ),
    (&azurerm_storage_min_tls::RULE, azurerm_storage_min_tls::check),
    (
        &azurerm_storage_network_default::RULE,
        azurerm_storage_network_default::check,
    ),
    (
        &azurerm_storage_public_network::RULE,
        azurerm_storage_public_network::check,
    ),
    (
        &azurerm_storage_queue_logging::RULE,
        azurerm_storage_queue_logging::check,
    ),
    (&azurerm_vm_password_auth::RULE, azurerm_vm_password_auth::check),
    (
        &google_firewall_rdp_internet::RULE,
        google_firewall_rdp_internet::check,
    ),
    (
        &google_firewall_ssh_internet::RULE,
        google_firewall_ssh_internet::check,
    ),
    (&google_gke_shielded_nodes::RULE, google_gke_shielded_nodes::check),
    (&google_sql_public_network::RULE, google_sql_public_network::check),
    (&google_sql_ssl::RULE, google_sql_ssl::check),
    (
        &google_storage_uniform_access::RULE,
        google_storage_uniform_access::check,
    ),
];

pub(crate) fn run(module: &Module, out: &mut Vec<RuleMatch>) {
    for (_, check) in RULES {
        check(module, out);
    }
}

/// Every resource of the given types.
pub(crate) fn resources<'a>(
    module: &'a Module,
    types: &'a [&'a str],
) -> impl Iterator<Item = &'a Block> + 'a {
    types.iter().flat_map(move |ty| module.resources(ty))
}

/// The common shape of a boolean setting: flags `bad` where it is written,
/// and its absence when the provider default is the bad value.
pub(crate) fn bool_setting(
    out: &mut Vec<RuleMatch>,
    rule: &'static StaticRule,
    resource: &Block,
    keys: &[&str],
    bad: bool,
    absent_is_bad: bool,
) {
    match resource.attr_any(keys) {
        Some(attr) if attr.value.as_bool() == Some(bad) => {
            super::hit(out, rule, attr.pos, resource.address());
        }
        None if absent_is_bad => super::hit(out, rule, resource.pos, resource.address()),
        _ => {}
    }
}

/// Inbound `Allow` NSG rules (standalone or inline) open to the internet on
/// `port`: where each is, and its subject.
pub(crate) fn nsg_rules_open_on(module: &Module, port: u32) -> Vec<(crate::text::Pos, String)> {
    let mut found = Vec::new();
    for rule in module.resources("azurerm_network_security_rule") {
        if nsg_rule_open(rule, port) {
            found.push((rule.pos, rule.address()));
        }
    }
    for group in module.resources("azurerm_network_security_group") {
        for rule in group.blocks("security_rule") {
            if nsg_rule_open(rule, port) {
                let name = rule.str("name").unwrap_or("unnamed");
                found.push((rule.pos, format!("{}/security_rule {name}", group.address())));
            }
        }
    }
    found
}

fn nsg_rule_open(rule: &Block, port: u32) -> bool {
    let is = |key: &str, want: &str| rule.str(key).is_some_and(|v| v.eq_ignore_ascii_case(want));
    if !is("direction", "Inbound") || !is("access", "Allow") || is("protocol", "Icmp") {
        return false;
    }
    let sources = ["source_address_prefix", "source_address_prefixes"]
        .iter()
        .filter_map(|k| rule.attr(k))
        .flat_map(|a| a.value.strings());
    if !sources.into_iter().any(crate::rules::is_internet) {
        return false;
    }
    ["destination_port_range", "destination_port_ranges"]
        .iter()
        .filter_map(|k| rule.attr(k))
        .flat_map(|a| a.value.strings())
        .any(|spec| crate::rules::port_spec_covers(spec, port))
}

/// Web apps across provider versions (`azurerm_app_service` before 3.0).
pub(crate) const WEB_APPS: &[&str] = &[
    "azurerm_app_service",
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
];

/// Ingress rules of AWS security groups open to the internet on `port`
/// (inline `ingress` blocks, `aws_security_group_rule`,
/// `aws_vpc_security_group_ingress_rule`).
pub(crate) fn aws_ingress_open_on(module: &Module, port: u32) -> Vec<(crate::text::Pos, String)> {
    let mut found = Vec::new();
    for group in module.resources("aws_security_group") {
        for ingress in group.blocks("ingress") {
            if aws_rule_open(ingress, port, &["cidr_blocks", "ipv6_cidr_blocks"], "protocol") {
                found.push((ingress.pos, format!("{}/ingress", group.address())));
            }
        }
    }
    for rule in module.resources("aws_security_group_rule") {
        if rule.str("type") == Some("ingress")
            && aws_rule_open(rule, port, &["cidr_blocks", "ipv6_cidr_blocks"], "protocol")
        {
            found.push((rule.pos, rule.address()));
        }
    }
    for rule in module.resources("aws_vpc_security_group_ingress_rule") {
        if aws_rule_open(rule, port, &["cidr_ipv4", "cidr_ipv6"], "ip_protocol") {
            found.push((rule.pos, rule.address()));
        }
    }
    found
}

fn aws_rule_open(rule: &Block, port: u32, cidr_keys: &[&str], protocol_key: &str) -> bool {
    let open = cidr_keys
        .iter()
        .filter_map(|k| rule.attr(k))
        .flat_map(|a| a.value.strings())
        .any(|c| c == "0.0.0.0/0" || c == "::/0");
    if !open {
        return false;
    }
    let all_protocols = rule
        .attr(protocol_key)
        .and_then(|a| {
            a.value
                .as_str()
                .map(str::to_owned)
                .or_else(|| a.value.as_num().map(|n| n.to_string()))
        })
        .is_some_and(|p| p == "-1" || p.eq_ignore_ascii_case("all"));
    if all_protocols {
        return true;
    }
    if rule
        .str(protocol_key)
        .is_some_and(|p| p.eq_ignore_ascii_case("udp") || p.eq_ignore_ascii_case("icmp"))
    {
        return false;
    }
    let from = rule.attr("from_port").and_then(|a| a.value.as_num());
    let to = rule.attr("to_port").and_then(|a| a.value.as_num());
    match (from, to) {
        (Some(from), Some(to)) => from <= f64::from(port) && f64::from(port) <= to,
        _ => false,
    }
}

/// Enabled ingress `google_compute_firewall`s from 0.0.0.0/0 that allow
/// TCP on `port`.
pub(crate) fn gcp_firewalls_open_on(module: &Module, port: u32) -> Vec<(crate::text::Pos, String)> {
    let mut found = Vec::new();
    for firewall in module.resources("google_compute_firewall") {
        if firewall.bool("disabled") == Some(true)
            || firewall
                .str("direction")
                .is_some_and(|d| !d.eq_ignore_ascii_case("INGRESS"))
        {
            continue;
        }
        let Some(sources) = firewall.attr("source_ranges") else {
            continue;
        };
        if !sources
            .value
            .strings()
            .iter()
            .any(|s| *s == "0.0.0.0/0" || *s == "::/0")
        {
            continue;
        }
        for allow in firewall.blocks("allow") {
            let protocol = allow.str("protocol").unwrap_or_default().to_ascii_lowercase();
            if protocol != "tcp" && protocol != "all" {
                continue;
            }
            let covers = match allow.attr("ports") {
                None => !allow.dynamic,
                Some(ports) => ports
                    .value
                    .strings()
                    .iter()
                    .any(|spec| crate::rules::port_spec_covers(spec, port)),
            };
            if covers || protocol == "all" {
                found.push((allow.pos, firewall.address()));
            }
        }
    }
    found
}
