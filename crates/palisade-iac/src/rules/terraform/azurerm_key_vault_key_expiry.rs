//! `iac.azurerm.key-vault-key-no-expiry`: a Key Vault key that never expires.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.key-vault-key-no-expiry",
    name: "Key Vault key has no expiration date",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_40"],
    description: "A key without an expiration date stays valid forever: nothing forces rotation, so a copy that leaked years ago still works.",
    remediation: "Set `expiration_date` (RFC 3339) and rotate before it passes, or attach a rotation policy.",
    references: &["https://learn.microsoft.com/azure/key-vault/general/best-practices"],
    example_path: "vault.tf",
    positive: &[r#"resource "azurerm_key_vault_key" "signing" {
  name         = "signing"
  key_vault_id = azurerm_key_vault.main.id
  key_type     = "RSA"
  key_size     = 2048
}"#],
    negative: &[r#"resource "azurerm_key_vault_key" "signing" {
  name            = "signing"
  key_vault_id    = azurerm_key_vault.main.id
  key_type     = "RSA"
  key_size     = 2048
  expiration_date = "2026-12-31T00:00:00Z"
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for item in module.resources("azurerm_key_vault_key") {
        if item.attr("expiration_date").is_none() {
            hit(out, &RULE, item.pos, item.address());
        }
    }
}
