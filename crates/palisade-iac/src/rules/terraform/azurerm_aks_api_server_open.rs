//! `iac.azurerm.aks-api-server-unrestricted`: the API server answers the whole internet.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.aks-api-server-unrestricted",
    name: "AKS API server is reachable from any IP address",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_6"],
    description: "A public API server without authorized IP ranges can be probed and brute-forced from anywhere, and any leaked kubeconfig or token is immediately usable by an attacker.",
    remediation: "Add `api_server_access_profile { authorized_ip_ranges = [...] }` (`api_server_authorized_ip_ranges` in azurerm 2.x) or make the cluster private with `private_cluster_enabled = true`.",
    references: &["https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges"],
    example_path: "aks.tf",
    positive: &[r#"resource "azurerm_kubernetes_cluster" "main" {
  name       = "main"
  dns_prefix = "main"
}"#],
    negative: &[
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name = "main"
  api_server_access_profile {
    authorized_ip_ranges = ["203.0.113.0/24"]
  }
}"#,
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name                            = "main"
  api_server_authorized_ip_ranges = var.admin_ranges
}"#,
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name                    = "main"
  private_cluster_enabled = true
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for cluster in module.resources("azurerm_kubernetes_cluster") {
        if cluster.bool("private_cluster_enabled") == Some(true) {
            continue;
        }
        let ranges = cluster.attr("api_server_authorized_ip_ranges").or_else(|| {
            cluster
                .block("api_server_access_profile")
                .and_then(|p| p.attr("authorized_ip_ranges"))
        });
        match ranges {
            None => hit(out, &RULE, cluster.pos, cluster.address()),
            Some(a) if a.value.as_list().is_some_and(<[_]>::is_empty) => {
                hit(out, &RULE, a.pos, cluster.address());
            }
            Some(_) => {}
        }
    }
}
