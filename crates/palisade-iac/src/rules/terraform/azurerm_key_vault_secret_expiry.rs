//! `iac.azurerm.key-vault-secret-no-expiry`: a Key Vault secret that never expires.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.key-vault-secret-no-expiry",
    name: "Key Vault secret has no expiration date",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_41"],
    description: "A secret without an expiration date stays valid forever: nothing forces rotation, so a copy that leaked years ago still works.",
    remediation: "Set `expiration_date` (RFC 3339) and rotate before it passes, or attach a rotation policy.",
    references: &["https://learn.microsoft.com/azure/key-vault/general/best-practices"],
    example_path: "vault.tf",
    positive: &[r#"resource "azurerm_key_vault_secret" "db-password" {
  name         = "db-password"
  key_vault_id = azurerm_key_vault.main.id
  value        = var.db_password
}"#],
    negative: &[r#"resource "azurerm_key_vault_secret" "db-password" {
  name            = "db-password"
  key_vault_id    = azurerm_key_vault.main.id
  value        = var.db_password
  expiration_date = "2026-12-31T00:00:00Z"
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for item in module.resources("azurerm_key_vault_secret") {
        if item.attr("expiration_date").is_none() {
            hit(out, &RULE, item.pos, item.address());
        }
    }
}
