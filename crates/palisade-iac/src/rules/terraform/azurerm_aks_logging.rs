//! `iac.azurerm.aks-logging-disabled`: no Container Insights agent.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.aks-logging-disabled",
    name: "AKS cluster does not send logs to Azure Monitor",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_4"],
    description: "Without the monitoring agent (Container Insights) the cluster's container logs and metrics are not collected, so a compromised workload or a node under attack leaves no trace outside the node.",
    remediation: "Add an `oms_agent { log_analytics_workspace_id = ... }` block (azurerm 3.x and later) or `addon_profile { oms_agent { enabled = true ... } }` (2.x).",
    references: &["https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-overview"],
    example_path: "aks.tf",
    positive: &[
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name       = "main"
  dns_prefix = "main"
}"#,
        r#"resource "azurerm_kubernetes_cluster" "old" {
  name = "old"
  addon_profile {
    oms_agent {
      enabled = false
    }
  }
}"#,
    ],
    negative: &[
        r#"resource "azurerm_kubernetes_cluster" "main" {
  name = "main"
  oms_agent {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
  }
}"#,
        r#"resource "azurerm_kubernetes_cluster" "old" {
  name = "old"
  addon_profile {
    oms_agent {
      enabled                    = true
      log_analytics_workspace_id = var.workspace_id
    }
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for cluster in module.resources("azurerm_kubernetes_cluster") {
        if cluster.block("oms_agent").is_some() {
            continue;
        }
        match cluster.path(&["addon_profile", "oms_agent"]) {
            Some(agent) => {
                if let Some(a) = agent.attr("enabled")
                    && a.value.as_bool() == Some(false)
                {
                    hit(out, &RULE, a.pos, cluster.address());
                }
            }
            None => hit(out, &RULE, cluster.pos, cluster.address()),
        }
    }
}
