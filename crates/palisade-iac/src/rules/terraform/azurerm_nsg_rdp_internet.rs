//! `iac.azurerm.nsg-rdp-from-internet`: RDP (port 3389) open to the internet.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::nsg_rules_open_on;
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.nsg-rdp-from-internet",
    name: "Network security group allows RDP from the internet",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_9"],
    description: "An inbound rule that allows Remote Desktop (port 3389) from any address exposes the machines behind it to constant credential brute force and to exploits of the RDP service; it is one of the most common ways into cloud networks.",
    remediation: "Restrict `source_address_prefix(es)` to known administrator ranges, or close the port and use Azure Bastion or just-in-time VM access.",
    references: &[
        "https://learn.microsoft.com/azure/bastion/bastion-overview",
        "https://learn.microsoft.com/azure/defender-for-cloud/just-in-time-access-overview",
    ],
    example_path: "network.tf",
    positive: &[
        r#"resource "azurerm_network_security_rule" "admin" {
  name                        = "admin"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3389"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
}"#,
        r#"resource "azurerm_network_security_group" "vm" {
  name = "vm"
  security_rule {
    name                       = "open"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_ranges    = ["80", "443", "0-65535"]
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}"#,
    ],
    negative: &[
        r#"resource "azurerm_network_security_rule" "admin" {
  name                       = "admin"
  direction                  = "Inbound"
  access                     = "Allow"
  protocol                   = "Tcp"
  destination_port_range     = "3389"
  source_address_prefix      = "10.0.0.0/8"
  destination_address_prefix = "*"
}"#,
        r#"resource "azurerm_network_security_rule" "deny" {
  name                       = "deny"
  direction                  = "Inbound"
  access                     = "Deny"
  protocol                   = "Tcp"
  destination_port_range     = "3389"
  source_address_prefix      = "*"
  destination_address_prefix = "*"
}"#,
        r#"resource "azurerm_network_security_rule" "web" {
  name                       = "web"
  direction                  = "Inbound"
  access                     = "Allow"
  protocol                   = "Tcp"
  destination_port_range     = "443"
  source_address_prefix      = "*"
  destination_address_prefix = "*"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for (pos, subject) in nsg_rules_open_on(module, 3389) {
        hit(out, &RULE, pos, subject);
    }
}
