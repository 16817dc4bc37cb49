//! `iac.azurerm.storage-account-min-tls`: TLS 1.0 or 1.1 still accepted.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.storage-account-min-tls",
    name: "Storage account accepts TLS older than 1.2",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_44"],
    description: "TLS 1.0 and 1.1 have known weaknesses (BEAST, weak cipher suites) and are retired by Azure; a client that can be pushed to negotiate them exposes storage traffic to downgrade and decryption attacks.",
    remediation: "Set `min_tls_version = \"TLS1_2\"` (the default since azurerm 3.0), or remove the older value.",
    references: &[
        "https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version",
    ],
    example_path: "main.tf",
    positive: &[r#"resource "azurerm_storage_account" "data" {
  name            = "data"
  min_tls_version = "TLS1_0"
}"#],
    negative: &[
        r#"resource "azurerm_storage_account" "data" {
  name            = "data"
  min_tls_version = "TLS1_2"
}"#,
        r#"resource "azurerm_storage_account" "data" {
  name = "data"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for account in module.resources("azurerm_storage_account") {
        if let Some(attr) = account.attr("min_tls_version")
            && matches!(attr.value.as_str(), Some("TLS1_0" | "TLS1_1"))
        {
            hit(out, &RULE, attr.pos, account.address());
        }
    }
}
