//! `iac.azurerm.container-registry-public-network-access`: the registry answers the internet.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.container-registry-public-network-access",
    name: "Container registry allows public network access",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_139"],
    description: "A registry reachable from any network lets leaked credentials push or pull images from anywhere, and exposes image contents (often with embedded secrets) to whoever obtains a token.",
    remediation: "Set `public_network_access_enabled = false` and reach the registry through private endpoints (Premium SKU).",
    references: &["https://learn.microsoft.com/azure/container-registry/container-registry-private-link"],
    example_path: "acr.tf",
    positive: &[r#"resource "azurerm_container_registry" "main" {
  name = "main"
  sku  = "Premium"
}"#],
    negative: &[r#"resource "azurerm_container_registry" "main" {
  name                          = "main"
  sku                           = "Premium"
  public_network_access_enabled = false
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for registry in module.resources("azurerm_container_registry") {
        bool_setting(
            out,
            &RULE,
            registry,
            &["public_network_access_enabled"],
            true,
            true,
        );
    }
}
