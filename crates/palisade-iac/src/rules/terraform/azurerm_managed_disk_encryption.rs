//! `iac.azurerm.managed-disk-encryption-disabled`: Azure Disk Encryption switched off.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.managed-disk-encryption-disabled",
    name: "Managed disk has encryption settings disabled",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_2"],
    description: "Disabling the disk's encryption settings leaves its contents protected only by platform-side storage encryption; a snapshot or exported VHD is readable by whoever obtains it.",
    remediation: "Remove `encryption_settings { enabled = false }`, or enable it with a Key Vault key (or use a disk encryption set).",
    references: &["https://learn.microsoft.com/azure/virtual-machines/disk-encryption-overview"],
    example_path: "disk.tf",
    positive: &[r#"resource "azurerm_managed_disk" "data" {
  name                 = "data"
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = 128
  encryption_settings {
    enabled = false
  }
}"#],
    negative: &[
        r#"resource "azurerm_managed_disk" "data" {
  name                   = "data"
  storage_account_type   = "Premium_LRS"
  create_option          = "Empty"
  disk_size_gb           = 128
  disk_encryption_set_id = azurerm_disk_encryption_set.main.id
}"#,
        r#"resource "azurerm_managed_disk" "data" {
  name = "data"
  encryption_settings {
    enabled = true
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for disk in module.resources("azurerm_managed_disk") {
        if let Some(a) = disk.block("encryption_settings").and_then(|e| e.attr("enabled"))
            && a.value.as_bool() == Some(false)
        {
            hit(out, &RULE, a.pos, disk.address());
        }
    }
}
