//! `iac.azurerm.app-service-min-tls`: the web app accepts TLS 1.0 or 1.1.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{WEB_APPS, resources};
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.app-service-min-tls",
    name: "Web app accepts TLS older than 1.2",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_15"],
    description: "TLS 1.0 and 1.1 are deprecated and weak; allowing them lets a network attacker force a downgrade and attack the weaker protocol.",
    remediation: "Set `site_config { minimum_tls_version = \"1.2\" }` (`min_tls_version` before azurerm 4.0), or remove the older value (1.2 is the default).",
    references: &["https://learn.microsoft.com/azure/app-service/overview-tls"],
    example_path: "web.tf",
    positive: &[r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {
    minimum_tls_version = "1.0"
  }
}"#],
    negative: &[
        r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {
    minimum_tls_version = "1.2"
  }
}"#,
        r#"resource "azurerm_app_service" "old" {
  name = "old"
  site_config {
    min_tls_version = "1.2"
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for app in resources(module, WEB_APPS) {
        if let Some(a) = app
            .block("site_config")
            .and_then(|s| s.attr_any(&["minimum_tls_version", "min_tls_version"]))
            && matches!(a.value.as_str(), Some("1.0" | "1.1"))
        {
            hit(out, &RULE, a.pos, app.address());
        }
    }
}
