//! `iac.azurerm.storage-account-https-only`: secure transfer turned off.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.storage-account-https-only",
    name: "Storage account accepts plain HTTP",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_3"],
    description: "With secure transfer off, the storage account serves blobs, files and queues over plain HTTP: anyone on the network path reads data and shared access signatures in clear text and can tamper with responses.",
    remediation: "Remove the setting (the provider default is `true`) or set `https_traffic_only_enabled = true` (`enable_https_traffic_only` before azurerm 4.0).",
    references: &[
        "https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer",
        "https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_account#https_traffic_only_enabled",
    ],
    example_path: "main.tf",
    positive: &[
        r#"resource "azurerm_storage_account" "logs" {
  name                       = "logs"
  account_tier               = "Standard"
  https_traffic_only_enabled = false
}"#,
        r#"resource "azurerm_storage_account" "old" {
  name                      = "old"
  enable_https_traffic_only = "false"
}"#,
    ],
    negative: &[
        r#"resource "azurerm_storage_account" "logs" {
  name                       = "logs"
  https_traffic_only_enabled = true
}"#,
        r#"resource "azurerm_storage_account" "defaults" {
  name = "defaults"
}"#,
        r#"resource "azurerm_storage_account" "var" {
  name                       = "var"
  https_traffic_only_enabled = var.https_only
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for account in module.resources("azurerm_storage_account") {
        bool_setting(
            out,
            &RULE,
            account,
            &["https_traffic_only_enabled", "enable_https_traffic_only"],
            false,
            false,
        );
    }
}
