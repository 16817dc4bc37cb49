//! `iac.azurerm.storage-account-blob-public-access`: containers may be made anonymous.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.storage-account-blob-public-access",
    name: "Storage account lets blobs be read anonymously",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AZURE_190"],
    description: "When nested items may be public, any container of the account can be switched to anonymous read, and a single mistaken `container_access_type` publishes its blobs to the internet without any credential.",
    remediation: "Set `allow_nested_items_to_be_public = false` (azurerm 3.x and later default it to `true`; `allow_blob_public_access` in 2.x).",
    references: &["https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent"],
    example_path: "main.tf",
    positive: &[
        r#"resource "azurerm_storage_account" "web" {
  name                             = "web"
  allow_nested_items_to_be_public = true
}"#,
        r#"resource "azurerm_storage_account" "web" {
  name = "web"
}"#,
        r#"resource "azurerm_storage_account" "v2" {
  name                     = "v2"
  allow_blob_public_access = true
}"#,
    ],
    negative: &[
        r#"resource "azurerm_storage_account" "web" {
  name                             = "web"
  allow_nested_items_to_be_public = false
}"#,
        r#"resource "azurerm_storage_account" "v2" {
  name                     = "v2"
  allow_blob_public_access = false
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for account in module.resources("azurerm_storage_account") {
        match account.attr_any(&["allow_nested_items_to_be_public", "allow_blob_public_access"]) {
            Some(attr) if attr.value.as_bool() == Some(true) => hit(out, &RULE, attr.pos, account.address()),
            // azurerm 3.x and 4.x default `allow_nested_items_to_be_public` to true.
            None => hit(out, &RULE, account.pos, account.address()),
            Some(_) => {}
        }
    }
}
