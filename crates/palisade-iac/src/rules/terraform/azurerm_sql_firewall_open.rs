//! `iac.azurerm.sql-firewall-all-internet`: a database firewall rule for every IPv4 address.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.sql-firewall-all-internet",
    name: "Database firewall allows the whole internet",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_11"],
    description: "A firewall rule from 0.0.0.0 to 255.255.255.255 lets any host on the internet reach the database endpoint, leaving only the login between an attacker and the data (password spraying, leaked connection strings).",
    remediation: "Allow only the addresses that need access, or use private endpoints; `0.0.0.0`-`0.0.0.0` (Azure services) is narrower but still broad.",
    references: &["https://learn.microsoft.com/azure/azure-sql/database/firewall-configure"],
    example_path: "sql.tf",
    positive: &[r#"resource "azurerm_mssql_firewall_rule" "all" {
  name             = "all"
  server_id        = azurerm_mssql_server.main.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "255.255.255.255"
}"#],
    negative: &[
        r#"resource "azurerm_mssql_firewall_rule" "office" {
  name             = "office"
  server_id        = azurerm_mssql_server.main.id
  start_ip_address = "203.0.113.10"
  end_ip_address   = "203.0.113.20"
}"#,
        r#"resource "azurerm_sql_firewall_rule" "azure" {
  name             = "azure-services"
  start_ip_address = "0.0.0.0"
  end_ip_address   = "0.0.0.0"
}"#,
    ],
};

const TYPES: &[&str] = &[
    "azurerm_sql_firewall_rule",
    "azurerm_mssql_firewall_rule",
    "azurerm_mysql_firewall_rule",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_postgresql_firewall_rule",
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mariadb_firewall_rule",
];

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for rule in super::resources(module, TYPES) {
        if rule.str("start_ip_address") == Some("0.0.0.0")
            && let Some(end) = rule.attr("end_ip_address")
            && end.value.as_str() == Some("255.255.255.255")
        {
            hit(out, &RULE, end.pos, rule.address());
        }
    }
}
