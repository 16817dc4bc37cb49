//! `iac.azurerm.app-service-auth-disabled`: App Service authentication off.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{WEB_APPS, resources};
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.app-service-auth-disabled",
    name: "Web app has App Service authentication disabled",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_13"],
    description: "Without App Service authentication (Easy Auth) every request reaches the application anonymously, so any endpoint the code forgets to protect is open to the internet.",
    remediation: "Add `auth_settings_v2 { auth_enabled = true ... }` (or `auth_settings { enabled = true }`) with an identity provider, unless the app authenticates every request itself.",
    references: &["https://learn.microsoft.com/azure/app-service/overview-authentication-authorization"],
    example_path: "web.tf",
    positive: &[
        r#"resource "azurerm_linux_web_app" "api" {
  name            = "api"
  service_plan_id = azurerm_service_plan.main.id
  site_config {}
}"#,
        r#"resource "azurerm_app_service" "old" {
  name = "old"
  auth_settings {
    enabled = false
  }
}"#,
    ],
    negative: &[
        r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {}
  auth_settings_v2 {
    auth_enabled = true
    login {}
  }
}"#,
        r#"resource "azurerm_app_service" "old" {
  name = "old"
  auth_settings {
    enabled = true
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for app in resources(module, WEB_APPS) {
        let enabled = app
            .block("auth_settings_v2")
            .and_then(|b| b.attr("auth_enabled"))
            .or_else(|| app.block("auth_settings").and_then(|b| b.attr("enabled")));
        match enabled {
            Some(a) if a.value.as_bool() == Some(false) => hit(out, &RULE, a.pos, app.address()),
            None => hit(out, &RULE, app.pos, app.address()),
            Some(_) => {}
        }
    }
}
