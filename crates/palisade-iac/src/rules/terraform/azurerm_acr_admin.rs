//! `iac.azurerm.container-registry-admin-enabled`: the shared admin account is on.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.container-registry-admin-enabled",
    name: "Container registry admin account is enabled",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_137"],
    description: "The registry admin account is one shared username and password with push and pull rights on every repository; it cannot be scoped or attributed, and anyone holding it can replace images that production pulls.",
    remediation: "Set `admin_enabled = false` and use Entra ID identities, tokens with scope maps, or managed identities.",
    references: &[
        "https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account",
    ],
    example_path: "acr.tf",
    positive: &[r#"resource "azurerm_container_registry" "main" {
  name          = "main"
  sku           = "Premium"
  admin_enabled = true
}"#],
    negative: &[
        r#"resource "azurerm_container_registry" "main" {
  name          = "main"
  sku           = "Premium"
  admin_enabled = false
}"#,
        r#"resource "azurerm_container_registry" "main" {
  name = "main"
  sku  = "Premium"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for registry in module.resources("azurerm_container_registry") {
        bool_setting(out, &RULE, registry, &["admin_enabled"], true, false);
    }
}
