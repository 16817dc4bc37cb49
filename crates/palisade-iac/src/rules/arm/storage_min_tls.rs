//! `iac.arm.storage-account-min-tls`: TLS 1.0 or 1.1 allowed in a template.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::arm::{Resource, str_of};
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.arm.storage-account-min-tls",
    name: "Storage account accepts TLS older than 1.2",
    severity: Severity::High,
    framework: "arm",
    checkov: &["CKV_AZURE_44"],
    description: "TLS 1.0 and 1.1 have known weaknesses and are retired by Azure; a client pushed to negotiate them exposes storage traffic to downgrade and decryption attacks.",
    remediation: "Set `\"minimumTlsVersion\": \"TLS1_2\"`.",
    references: &[
        "https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version",
    ],
    example_path: "azuredeploy.json",
    positive: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "data",
      "properties": { "minimumTlsVersion": "TLS1_0" }
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
      "name": "data",
      "properties": { "minimumTlsVersion": "TLS1_2" }
    }
  ]
}"#],
};

pub(crate) fn check(resources: &[Resource<'_>], out: &mut Vec<RuleMatch>) {
    for account in resources
        .iter()
        .filter(|r| r.is("Microsoft.Storage/storageAccounts"))
    {
        if let Some((value, pos)) = account.property(&["minimumTlsVersion"])
            && matches!(str_of(value), Some("TLS1_0" | "TLS1_1"))
        {
            hit(out, &RULE, pos, account.subject.clone());
        }
    }
}
