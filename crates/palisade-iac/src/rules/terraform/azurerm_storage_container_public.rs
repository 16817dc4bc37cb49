//! `iac.azurerm.storage-container-public-access`: a blob container readable anonymously.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.storage-container-public-access",
    name: "Blob container is readable anonymously",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_34"],
    description: "A container with access type `blob` or `container` serves its blobs (and with `container`, its listing) to anyone on the internet without credentials: backups, logs and exports placed there leak.",
    remediation: "Set `container_access_type = \"private\"` (the default) and share data with SAS tokens or Entra ID roles.",
    references: &["https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-configure"],
    example_path: "main.tf",
    positive: &[r#"resource "azurerm_storage_container" "exports" {
  name                  = "exports"
  storage_account_name  = azurerm_storage_account.data.name
  container_access_type = "container"
}"#],
    negative: &[
        r#"resource "azurerm_storage_container" "exports" {
  name                  = "exports"
  container_access_type = "private"
}"#,
        r#"resource "azurerm_storage_container" "exports" {
  name = "exports"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for container in module.resources("azurerm_storage_container") {
        if let Some(a) = container.attr("container_access_type")
            && matches!(a.value.as_str(), Some("blob" | "container"))
        {
            hit(out, &RULE, a.pos, container.address());
        }
    }
}
