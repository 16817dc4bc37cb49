//! `iac.azurerm.aks-rbac-disabled`: Kubernetes RBAC turned off.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.aks-rbac-disabled",
    name: "AKS cluster has Kubernetes RBAC disabled",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_5"],
    description: "Without role-based access control every authenticated identity (every service account token, every user) is effectively cluster admin: one compromised pod can read all secrets and take over the cluster.",
    remediation: "Remove `role_based_access_control_enabled = false` (the default is `true`), or in azurerm 2.x set `role_based_access_control { enabled = true }`.",
    references: &["https://learn.microsoft.com/azure/aks/concepts-identity#kubernetes-rbac"],
    example_path: "aks.tf",
    positive: &[
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name                              = "main"
  role_based_access_control_enabled = false
}"#,
        r#"resource "azurerm_kubernetes_cluster" "old" {
  name = "old"
  role_based_access_control {
    enabled = false
  }
}"#,
    ],
    negative: &[
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name                              = "main"
  role_based_access_control_enabled = true
}"#,
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name = "main"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for cluster in module.resources("azurerm_kubernetes_cluster") {
        let attr = cluster.attr("role_based_access_control_enabled").or_else(|| {
            cluster
                .block("role_based_access_control")
                .and_then(|b| b.attr("enabled"))
        });
        if let Some(a) = attr
            && a.value.as_bool() == Some(false)
        {
            hit(out, &RULE, a.pos, cluster.address());
        }
    }
}
