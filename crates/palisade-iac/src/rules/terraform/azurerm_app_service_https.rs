//! `iac.azurerm.app-service-https-only`: the web app still serves plain HTTP.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{WEB_APPS, bool_setting, resources};
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.app-service-https-only",
    name: "Web app accepts plain HTTP",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_14"],
    description: "Unless `https_only` is set, App Service answers on plain HTTP: session cookies, tokens and form data can be read or altered by anyone on the network path.",
    remediation: "Set `https_only = true` (the default is `false`).",
    references: &["https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https"],
    example_path: "web.tf",
    positive: &[
        r#"resource "azurerm_windows_web_app" "site" {
  name = "site"
  site_config {}
}"#,
        r#"resource "azurerm_app_service" "site" {
  name       = "site"
  https_only = false
}"#,
    ],
    negative: &[r#"resource "azurerm_windows_web_app" "site" {
  name       = "site"
  https_only = true
  site_config {}
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for app in resources(module, WEB_APPS) {
        bool_setting(out, &RULE, app, &["https_only"], false, true);
    }
}
