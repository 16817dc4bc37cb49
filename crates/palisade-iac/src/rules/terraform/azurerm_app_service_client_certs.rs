//! `iac.azurerm.app-service-client-certs-disabled`: no client certificates asked for.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{WEB_APPS, bool_setting, resources};
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.app-service-client-certs-disabled",
    name: "Web app does not require client certificates",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AZURE_17"],
    description: "Incoming client certificates (mutual TLS) let the app admit only clients holding a trusted certificate; without them any client on the internet reaches the application layer.",
    remediation: "Set `client_certificate_enabled = true` (`client_cert_enabled` on `azurerm_app_service`) where the callers can present certificates.",
    references: &["https://learn.microsoft.com/azure/app-service/app-service-web-configure-tls-mutual-auth"],
    example_path: "web.tf",
    positive: &[
        r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {}
}"#,
        r#"resource "azurerm_app_service" "old" {
  name                = "old"
  client_cert_enabled = false
}"#,
    ],
    negative: &[r#"resource "azurerm_linux_web_app" "api" {
  name                       = "api"
  client_certificate_enabled = true
  site_config {}
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for app in resources(module, WEB_APPS) {
        bool_setting(
            out,
            &RULE,
            app,
            &["client_certificate_enabled", "client_cert_enabled"],
            false,
            true,
        );
    }
}
