//! `iac.azurerm.key-vault-network-default-allow`: the vault firewall admits every network.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.key-vault-network-default-allow",
    name: "Key Vault firewall allows all networks",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_109"],
    description: "With no network ACLs, or a default action of `Allow`, the vault answers requests from any network: a stolen token or client secret can read secrets from anywhere on the internet.",
    remediation: "Add `network_acls { default_action = \"Deny\" bypass = \"AzureServices\" ... }` and list the allowed networks, or disable public network access and use a private endpoint.",
    references: &["https://learn.microsoft.com/azure/key-vault/general/network-security"],
    example_path: "vault.tf",
    positive: &[
        r#"resource "azurerm_key_vault" "main" {
  name     = "main"
  sku_name = "standard"
}"#,
        r#"resource "azurerm_key_vault" "main" {
  name = "main"
  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }
}"#,
    ],
    negative: &[
        r#"resource "azurerm_key_vault" "main" {
  name = "main"
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
    ip_rules       = ["203.0.113.0/24"]
  }
}"#,
        r#"resource "azurerm_key_vault" "main" {
  name                          = "main"
  public_network_access_enabled = false
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for vault in module.resources("azurerm_key_vault") {
        match vault.block("network_acls") {
            Some(acls) => {
                if let Some(a) = acls.attr("default_action")
                    && a.value.as_str().is_some_and(|v| v.eq_ignore_ascii_case("allow"))
                {
                    hit(out, &RULE, a.pos, vault.address());
                }
            }
            None if vault.bool("public_network_access_enabled") != Some(false) => {
                hit(out, &RULE, vault.pos, vault.address());
            }
            None => {}
        }
    }
}
