//! `iac.azurerm.sql-server-auditing-disabled`: no auditing for a SQL server.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.sql-server-auditing-disabled",
    name: "SQL server has no auditing",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AZURE_23", "CKV_AZURE_24"],
    description: "Without auditing, logins, permission changes and queries against the server are not recorded: data theft or tampering through a stolen account cannot be detected or reconstructed.",
    remediation: "Add an `azurerm_mssql_server_extended_auditing_policy` for the server (or the `extended_auditing_policy` block of older providers).",
    references: &["https://learn.microsoft.com/azure/azure-sql/database/auditing-overview"],
    example_path: "sql.tf",
    positive: &[r#"resource "azurerm_mssql_server" "main" {
  name                = "main"
  version             = "12.0"
  administrator_login = "sqladmin"
}"#],
    negative: &[
        r#"resource "azurerm_mssql_server" "main" {
  name    = "main"
  version = "12.0"
}

resource "azurerm_mssql_server_extended_auditing_policy" "main" {
  server_id              = azurerm_mssql_server.main.id
  storage_endpoint       = azurerm_storage_account.audit.primary_blob_endpoint
  retention_in_days      = 90
}"#,
        r#"resource "azurerm_sql_server" "old" {
  name    = "old"
  version = "12.0"
  extended_auditing_policy {
    storage_endpoint  = azurerm_storage_account.audit.primary_blob_endpoint
    retention_in_days = 90
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for server in super::resources(module, &["azurerm_mssql_server", "azurerm_sql_server"]) {
        if server.block("extended_auditing_policy").is_none()
            && !module.has_linked(
                "azurerm_mssql_server_extended_auditing_policy",
                "server_id",
                server,
            )
        {
            hit(out, &RULE, server.pos, server.address());
        }
    }
}
