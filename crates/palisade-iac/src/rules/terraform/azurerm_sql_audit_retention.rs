//! `iac.azurerm.sql-audit-retention-short`: audit logs kept under 90 days.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.sql-audit-retention-short",
    name: "SQL audit logs are kept for less than 90 days",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AZURE_24"],
    description: "Intrusions are often found months after they start; audit records deleted after a few days leave nothing to investigate with.",
    remediation: "Set `retention_in_days` to 90 or more (0 keeps records forever).",
    references: &["https://learn.microsoft.com/azure/azure-sql/database/auditing-overview"],
    example_path: "sql.tf",
    positive: &[
        r#"resource "azurerm_mssql_server_extended_auditing_policy" "main" {
  server_id         = azurerm_mssql_server.main.id
  retention_in_days = 30
}"#,
        r#"resource "azurerm_sql_server" "old" {
  name = "old"
  extended_auditing_policy {
    retention_in_days = 7
  }
}"#,
    ],
    negative: &[
        r#"resource "azurerm_mssql_server_extended_auditing_policy" "main" {
  server_id         = azurerm_mssql_server.main.id
  retention_in_days = 90
}"#,
        r#"resource "azurerm_mssql_server_extended_auditing_policy" "forever" {
  server_id         = azurerm_mssql_server.main.id
  retention_in_days = 0
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    let short = |days: Option<f64>| days.is_some_and(|d| d > 0.0 && d < 90.0);
    for policy in super::resources(
        module,
        &[
            "azurerm_mssql_server_extended_auditing_policy",
            "azurerm_mssql_database_extended_auditing_policy",
        ],
    ) {
        if let Some(a) = policy.attr("retention_in_days")
            && short(a.value.as_num())
        {
            hit(out, &RULE, a.pos, policy.address());
        }
    }
    for server in super::resources(module, &["azurerm_mssql_server", "azurerm_sql_server"]) {
        if let Some(a) = server
            .block("extended_auditing_policy")
            .and_then(|p| p.attr("retention_in_days"))
            && short(a.value.as_num())
        {
            hit(out, &RULE, a.pos, server.address());
        }
    }
}
