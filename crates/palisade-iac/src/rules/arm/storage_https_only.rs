//! `iac.arm.storage-account-https-only`: secure transfer turned off in a template.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_property;
use crate::arm::Resource;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.arm.storage-account-https-only",
    name: "Storage account accepts plain HTTP",
    severity: Severity::High,
    framework: "arm",
    checkov: &["CKV_AZURE_3"],
    description: "With `supportsHttpsTrafficOnly` false the storage account serves data over plain HTTP: anyone on the network path reads data and SAS tokens in clear text and can tamper with responses.",
    remediation: "Remove the property (it defaults to `true` since API version 2019-04-01) or set `\"supportsHttpsTrafficOnly\": true`.",
    references: &["https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer"],
    example_path: "azuredeploy.json",
    positive: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "logs",
      "kind": "StorageV2",
      "properties": {
        "supportsHttpsTrafficOnly": false
      }
    }
  ]
}"#],
    negative: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "logs",
      "properties": {
        "supportsHttpsTrafficOnly": "[parameters('httpsOnly')]"
      }
    }
  ]
}"#],
};

pub(crate) fn check(resources: &[Resource<'_>], out: &mut Vec<RuleMatch>) {
    bool_property(
        resources,
        out,
        &RULE,
        "Microsoft.Storage/storageAccounts",
        &["supportsHttpsTrafficOnly"],
        false,
        false,
    );
}
