//! `iac.azurerm.aks-dashboard-enabled`: the Kubernetes dashboard add-on is on.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.aks-dashboard-enabled",
    name: "AKS cluster runs the Kubernetes dashboard",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_8"],
    description: "The Kubernetes dashboard add-on has been behind several cluster takeovers: its service account often holds broad rights, and an exposed dashboard gives anyone who reaches it control of workloads and secrets.",
    remediation: "Remove the `kube_dashboard` add-on or set `enabled = false`; use `kubectl` or the Azure portal instead.",
    references: &["https://learn.microsoft.com/azure/aks/kubernetes-dashboard"],
    example_path: "aks.tf",
    positive: &[r#"resource "azurerm_kubernetes_cluster" "main" {
  name = "main"
  addon_profile {
    kube_dashboard {
      enabled = true
    }
  }
}"#],
    negative: &[
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name = "main"
  addon_profile {
    kube_dashboard {
      enabled = false
    }
  }
}"#,
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name = "main"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for cluster in module.resources("azurerm_kubernetes_cluster") {
        if let Some(a) = cluster
            .path(&["addon_profile", "kube_dashboard"])
            .and_then(|d| d.attr("enabled"))
            && a.value.as_bool() == Some(true)
        {
            hit(out, &RULE, a.pos, cluster.address());
        }
    }
}
