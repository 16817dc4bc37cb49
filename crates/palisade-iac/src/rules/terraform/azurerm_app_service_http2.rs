//! `iac.azurerm.app-service-http2-disabled`: HTTP/2 off.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::{WEB_APPS, resources};
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.app-service-http2-disabled",
    name: "Web app does not enable HTTP/2",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AZURE_18"],
    description: "HTTP/2 removes head-of-line blocking and some request smuggling ambiguities of HTTP/1.1; benchmarks such as CIS ask for the latest HTTP version on App Service.",
    remediation: "Set `site_config { http2_enabled = true }`.",
    references: &[
        "https://learn.microsoft.com/azure/app-service/configure-common#configure-general-settings",
    ],
    example_path: "web.tf",
    positive: &[
        r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {
    always_on = true
  }
}"#,
        r#"resource "azurerm_app_service" "old" {
  name = "old"
}"#,
    ],
    negative: &[r#"resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {
    http2_enabled = true
  }
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for app in resources(module, WEB_APPS) {
        match app.block("site_config") {
            None => hit(out, &RULE, app.pos, app.address()),
            Some(site) if site.dynamic => {}
            Some(site) => match site.attr("http2_enabled") {
                None => hit(out, &RULE, site.pos, app.address()),
                Some(a) if a.value.as_bool() == Some(false) => hit(out, &RULE, a.pos, app.address()),
                Some(_) => {}
            },
        }
    }
}
