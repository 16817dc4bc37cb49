//! `iac.azurerm.key-vault-purge-protection-disabled`: deleted vault contents can be purged at once.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.key-vault-purge-protection-disabled",
    name: "Key Vault can be purged without a retention period",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_110", "CKV_AZURE_42"],
    description: "Without purge protection (and soft delete) an attacker or a mistake with delete rights can destroy keys, secrets and certificates for good, taking down everything encrypted with them (a ransomware favourite).",
    remediation: "Set `purge_protection_enabled = true` and keep soft delete on (`soft_delete_retention_days` 7 to 90).",
    references: &["https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview"],
    example_path: "vault.tf",
    positive: &[
        r#"resource "azurerm_key_vault" "main" {
  name      = "main"
  tenant_id = data.azurerm_client_config.current.tenant_id
  sku_name  = "standard"
}"#,
        r#"resource "azurerm_key_vault" "main" {
  name                     = "main"
  purge_protection_enabled = true
  soft_delete_enabled      = false
}"#,
    ],
    negative: &[r#"resource "azurerm_key_vault" "main" {
  name                       = "main"
  sku_name                   = "standard"
  purge_protection_enabled   = true
  soft_delete_retention_days = 90
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for vault in module.resources("azurerm_key_vault") {
        bool_setting(out, &RULE, vault, &["purge_protection_enabled"], false, true);
        // Soft delete could be switched off before azurerm 2.42.
        if let Some(a) = vault.attr("soft_delete_enabled")
            && a.value.as_bool() == Some(false)
        {
            hit(out, &RULE, a.pos, vault.address());
        }
    }
}
