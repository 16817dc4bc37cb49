//! `iac.arm.aks-rbac-disabled`: Kubernetes RBAC turned off in a template.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_property;
use crate::arm::Resource;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.arm.aks-rbac-disabled",
    name: "AKS cluster has Kubernetes RBAC disabled",
    severity: Severity::High,
    framework: "arm",
    checkov: &["CKV_AZURE_5"],
    description: "Without role-based access control every authenticated identity is effectively cluster admin: one compromised pod can read all secrets and take over the cluster.",
    remediation: "Set `\"enableRBAC\": true` (the default) on the managed cluster.",
    references: &["https://learn.microsoft.com/azure/aks/concepts-identity#kubernetes-rbac"],
    example_path: "azuredeploy.json",
    positive: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "main",
      "properties": { "dnsPrefix": "main", "enableRBAC": false }
    }
  ]
}"#],
    negative: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "main",
      "properties": { "dnsPrefix": "main", "enableRBAC": true }
    }
  ]
}"#],
};

pub(crate) fn check(resources: &[Resource<'_>], out: &mut Vec<RuleMatch>) {
    bool_property(
        resources,
        out,
        &RULE,
        "Microsoft.ContainerService/managedClusters",
        &["enableRBAC"],
        false,
        false,
    );
}
