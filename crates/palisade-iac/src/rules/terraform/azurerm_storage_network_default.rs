//! `iac.azurerm.storage-account-network-default-allow`: the firewall lets everything through.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.storage-account-network-default-allow",
    name: "Storage account firewall allows all networks by default",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_35"],
    description: "With the default network action `Allow` (or no network rules at all) the account's firewall admits every network, so IP and virtual network rules restrict nothing and stolen credentials work from anywhere.",
    remediation: "Add `network_rules { default_action = \"Deny\" }` (or an `azurerm_storage_account_network_rules` resource) and allow only the networks and trusted services that need access; or set `public_network_access_enabled = false`.",
    references: &[
        "https://learn.microsoft.com/azure/storage/common/storage-network-security#change-the-default-network-access-rule",
    ],
    example_path: "main.tf",
    positive: &[
        r#"resource "azurerm_storage_account" "data" {
  name = "data"
  network_rules {
    default_action = "Allow"
  }
}"#,
        r#"resource "azurerm_storage_account" "data" {
  name = "data"
}"#,
        r#"resource "azurerm_storage_account_network_rules" "data" {
  storage_account_id = azurerm_storage_account.data.id
  default_action     = "Allow"
}"#,
    ],
    negative: &[
        r#"resource "azurerm_storage_account" "data" {
  name = "data"
  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}"#,
        r#"resource "azurerm_storage_account" "data" {
  name                          = "data"
  public_network_access_enabled = false
}"#,
        r#"resource "azurerm_storage_account" "data" {
  name = "data"
}

resource "azurerm_storage_account_network_rules" "data" {
  storage_account_id = azurerm_storage_account.data.id
  default_action     = "Deny"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for account in module.resources("azurerm_storage_account") {
        if let Some(rules) = account.block("network_rules") {
            if let Some(a) = rules.attr("default_action")
                && a.value.as_str().is_some_and(|v| v.eq_ignore_ascii_case("allow"))
            {
                hit(out, &RULE, a.pos, account.address());
            }
        } else {
            {
                let private = account.bool("public_network_access_enabled") == Some(false);
                let separate = module.has_linked(
                    "azurerm_storage_account_network_rules",
                    "storage_account_id",
                    account,
                );
                if !private && !separate {
                    hit(out, &RULE, account.pos, account.address());
                }
            }
        }
    }
    for rules in module.resources("azurerm_storage_account_network_rules") {
        if let Some(a) = rules.attr("default_action")
            && a.value.as_str().is_some_and(|v| v.eq_ignore_ascii_case("allow"))
        {
            hit(out, &RULE, a.pos, rules.address());
        }
    }
}
