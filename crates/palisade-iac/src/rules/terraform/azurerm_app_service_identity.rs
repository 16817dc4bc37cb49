//! `iac.azurerm.app-service-managed-identity-missing`: no managed identity.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{WEB_APPS, resources};
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.app-service-managed-identity-missing",
    name: "Web app has no managed identity",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AZURE_16"],
    description: "Without a managed identity the app must hold connection strings, keys or client secrets to reach other Azure services; those secrets leak through settings, logs and source control and are rarely rotated.",
    remediation: "Add `identity { type = \"SystemAssigned\" }` (or a user-assigned identity) and grant it roles instead of storing credentials.",
    references: &["https://learn.microsoft.com/azure/app-service/overview-managed-identity"],
    example_path: "web.tf",
    positive: &[r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {}
}"#],
    negative: &[r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {}
  identity {
    type = "SystemAssigned"
  }
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for app in resources(module, WEB_APPS) {
        if app.block("identity").is_none() {
            hit(out, &RULE, app.pos, app.address());
        }
    }
}
