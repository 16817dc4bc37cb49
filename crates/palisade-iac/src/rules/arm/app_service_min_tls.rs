//! `iac.arm.app-service-min-tls`: a web app that accepts TLS 1.0 or 1.1.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::arm::{Resource, str_of};
use crate::rules::hit;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.arm.app-service-min-tls",
    name: "Web app accepts TLS older than 1.2",
    severity: Severity::Medium,
    framework: "arm",
    checkov: &["CKV_AZURE_15"],
    description: "TLS 1.0 and 1.1 are deprecated and weak; allowing them lets a network attacker force a downgrade and attack the weaker protocol.",
    remediation: "Set `\"minTlsVersion\": \"1.2\"` in `siteConfig` (or in a `Microsoft.Web/sites/config` resource), or remove the older value.",
    references: &["https://learn.microsoft.com/azure/app-service/overview-tls"],
    example_path: "azuredeploy.json",
    positive: &[
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-12-01",
      "name": "api",
      "properties": {
        "httpsOnly": true,
        "siteConfig": { "minTlsVersion": "1.0" }
      }
    }
  ]
}"#,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-12-01",
      "name": "api",
      "properties": { "httpsOnly": true },
      "resources": [
        {
          "type": "config",
          "apiVersion": "2023-12-01",
          "name": "web",
          "properties": { "minTlsVersion": "1.1" }
        }
      ]
    }
  ]
}"#,
    ],
    negative: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-12-01",
      "name": "api",
      "properties": { "siteConfig": { "minTlsVersion": "1.2" } }
    }
  ]
}"#],
};

pub(crate) fn check(resources: &[Resource<'_>], out: &mut Vec<RuleMatch>) {
    for resource in resources {
        let found = if resource.is("Microsoft.Web/sites") || resource.is("Microsoft.Web/sites/slots") {
            resource.property(&["siteConfig", "minTlsVersion"])
        } else if resource.is("Microsoft.Web/sites/config") || resource.is("Microsoft.Web/sites/slots/config")
        {
            resource.property(&["minTlsVersion"])
        } else {
            None
        };
        if let Some((value, pos)) = found
            && matches!(str_of(value), Some("1.0" | "1.1"))
        {
            hit(out, &RULE, pos, resource.subject.clone());
        }
    }
}
