//! `iac.azurerm.storage-account-public-network-access`: reachable from any network.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.storage-account-public-network-access",
    name: "Storage account allows public network access",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_59"],
    description: "A storage account with public network access answers requests from the whole internet, so a leaked key or SAS token is usable from anywhere and the endpoints are open to enumeration and brute force.",
    remediation: "Set `public_network_access_enabled = false` and reach the account through private endpoints or service endpoints.",
    references: &["https://learn.microsoft.com/azure/storage/common/storage-network-security"],
    example_path: "main.tf",
    positive: &[
        r#"resource "azurerm_storage_account" "data" {
  name                          = "data"
  public_network_access_enabled = true
}"#,
        r#"resource "azurerm_storage_account" "data" {
  name = "data"
}"#,
    ],
    negative: &[r#"resource "azurerm_storage_account" "data" {
  name                          = "data"
  public_network_access_enabled = false
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for account in module.resources("azurerm_storage_account") {
        bool_setting(
            out,
            &RULE,
            account,
            &["public_network_access_enabled"],
            true,
            true,
        );
    }
}
