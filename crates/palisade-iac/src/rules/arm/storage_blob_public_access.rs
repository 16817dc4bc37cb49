//! `iac.arm.storage-account-blob-public-access`: anonymous blob access allowed in a template.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_property;
use crate::arm::Resource;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.arm.storage-account-blob-public-access",
    name: "Storage account lets blobs be read anonymously",
    severity: Severity::High,
    framework: "arm",
    checkov: &["CKV_AZURE_190"],
    description: "With `allowBlobPublicAccess` true any container of the account can be switched to anonymous read, and one mistaken access level publishes its blobs to the internet.",
    remediation: "Set `\"allowBlobPublicAccess\": false`.",
    references: &["https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent"],
    example_path: "azuredeploy.json",
    positive: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "web",
      "properties": { "allowBlobPublicAccess": true }
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
      "name": "web",
      "properties": { "allowBlobPublicAccess": false }
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
        &["allowBlobPublicAccess"],
        true,
        false,
    );
}
