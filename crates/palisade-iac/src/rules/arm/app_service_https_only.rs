//! `iac.arm.app-service-https-only`: a web app that still serves plain HTTP.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_property;
use crate::arm::Resource;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.arm.app-service-https-only",
    name: "Web app accepts plain HTTP",
    severity: Severity::High,
    framework: "arm",
    checkov: &["CKV_AZURE_14"],
    description: "Unless `httpsOnly` is true, App Service answers on plain HTTP: cookies, tokens and form data can be read or altered on the network path.",
    remediation: "Set `\"httpsOnly\": true` in the site's `properties` (the default is `false`).",
    references: &["https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https"],
    example_path: "azuredeploy.json",
    positive: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-12-01",
      "name": "api",
      "properties": {
        "serverFarmId": "[resourceId('Microsoft.Web/serverfarms', 'plan')]"
      }
    }
  ]
}"#],
    negative: &[r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-12-01",
      "name": "api",
      "properties": { "httpsOnly": true }
    }
  ]
}"#],
};

pub(crate) fn check(resources: &[Resource<'_>], out: &mut Vec<RuleMatch>) {
    bool_property(
        resources,
        out,
        &RULE,
        "Microsoft.Web/sites",
        &["httpsOnly"],
        false,
        true,
    );
}
