//! `iac.arm.key-vault-purge-protection-disabled`: vault contents can be purged at once.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_property;
use crate::arm::Resource;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.arm.key-vault-purge-protection-disabled",
    name: "Key Vault can be purged without a retention period",
    severity: Severity::Medium,
    framework: "arm",
    checkov: &["CKV_AZURE_110", "CKV_AZURE_42"],
    description: "Without purge protection (and soft delete) anyone with delete rights can destroy keys, secrets and certificates for good, taking down everything encrypted with them.",
    remediation: "Set `\"enablePurgeProtection\": true` and leave `enableSoftDelete` on.",
    references: &["https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview"],
    example_path: "azuredeploy.json",
    positive: &[
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.KeyVault/vaults",
      "apiVersion": "2023-07-01",
      "name": "main",
      "properties": { "tenantId": "[subscription().tenantId]", "sku": { "family": "A", "name": "standard" } }
    }
  ]
}"#,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "languageVersion": "2.0",
  "resources": {
    "vault": {
      "type": "Microsoft.KeyVault/vaults",
      "apiVersion": "2023-07-01",
      "name": "main",
      "properties": { "enablePurgeProtection": true, "enableSoftDelete": false }
    }
  }
}"#,
    ],
    negative: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.KeyVault/vaults",
      "apiVersion": "2023-07-01",
      "name": "main",
      "properties": { "enablePurgeProtection": true, "enableSoftDelete": true }
    }
  ]
}"#],
};

pub(crate) fn check(resources: &[Resource<'_>], out: &mut Vec<RuleMatch>) {
    let ty = "Microsoft.KeyVault/vaults";
    bool_property(resources, out, &RULE, ty, &["enablePurgeProtection"], false, true);
    bool_property(resources, out, &RULE, ty, &["enableSoftDelete"], false, false);
}
