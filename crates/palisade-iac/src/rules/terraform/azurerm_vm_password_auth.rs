//! `iac.azurerm.vm-password-authentication`: a Linux VM that accepts SSH passwords.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.vm-password-authentication",
    name: "Linux virtual machine allows password authentication",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_1"],
    description: "A VM that accepts SSH passwords can be brute-forced and password-sprayed; passwords are also reused and phished far more than SSH keys.",
    remediation: "Remove `disable_password_authentication = false` (the default is `true`), drop `admin_password` and add an `admin_ssh_key`.",
    references: &["https://learn.microsoft.com/azure/virtual-machines/linux/create-ssh-keys-detailed"],
    example_path: "vm.tf",
    positive: &[
        r#"resource "azurerm_linux_virtual_machine" "jump" {
  name                            = "jump"
  admin_username                  = "azureuser"
  admin_password                  = var.admin_password
  disable_password_authentication = false
}"#,
        r#"resource "azurerm_virtual_machine" "old" {
  name = "old"
  os_profile_linux_config {
    disable_password_authentication = false
  }
}"#,
    ],
    negative: &[r#"resource "azurerm_linux_virtual_machine" "jump" {
  name           = "jump"
  admin_username = "azureuser"
  admin_ssh_key {
    username   = "azureuser"
    public_key = file("~/.ssh/id_ed25519.pub")
  }
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for vm in super::resources(
        module,
        &[
            "azurerm_linux_virtual_machine",
            "azurerm_linux_virtual_machine_scale_set",
        ],
    ) {
        if let Some(a) = vm.attr("disable_password_authentication")
            && a.value.as_bool() == Some(false)
        {
            hit(out, &RULE, a.pos, vm.address());
        }
    }
    for vm in module.resources("azurerm_virtual_machine") {
        if let Some(a) = vm
            .block("os_profile_linux_config")
            .and_then(|c| c.attr("disable_password_authentication"))
            && a.value.as_bool() == Some(false)
        {
            hit(out, &RULE, a.pos, vm.address());
        }
    }
}
