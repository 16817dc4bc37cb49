//! `iac.azurerm.storage-account-queue-logging-disabled`: queue reads, writes and deletes unlogged.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azurerm.storage-account-queue-logging-disabled",
    name: "Storage queue service does not log reads, writes and deletes",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AZURE_33"],
    description: "Without Storage Analytics logging on the queue service there is no record of who read, wrote or deleted messages, so misuse of a leaked key or SAS token cannot be detected or investigated.",
    remediation: "Add `queue_properties { logging { read = true, write = true, delete = true, version = \"1.0\", retention_policy_days = 10 } }` (or use diagnostic settings).",
    references: &["https://learn.microsoft.com/azure/storage/common/storage-analytics-logging"],
    example_path: "main.tf",
    positive: &[
        r#"resource "azurerm_storage_account" "q" {
  name = "q"
}"#,
        r#"resource "azurerm_storage_account" "q" {
  name = "q"
  queue_properties {
    logging {
      delete  = true
      read    = true
      write   = false
      version = "1.0"
    }
  }
}"#,
    ],
    negative: &[
        r#"resource "azurerm_storage_account" "q" {
  name = "q"
  queue_properties {
    logging {
      delete                = true
      read                  = true
      write                 = true
      version               = "1.0"
      retention_policy_days = 10
    }
  }
}"#,
        r#"resource "azurerm_storage_account" "files" {
  name         = "files"
  account_kind = "FileStorage"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for account in module.resources("azurerm_storage_account") {
        // These kinds have no queue service.
        if matches!(
            account.str("account_kind"),
            Some("BlockBlobStorage" | "FileStorage")
        ) {
            continue;
        }
        match account.path(&["queue_properties", "logging"]) {
            None => {
                if !account.block("queue_properties").is_some_and(|q| q.dynamic) {
                    hit(out, &RULE, account.pos, account.address());
                }
            }
            Some(logging) => {
                let off = ["read", "write", "delete"]
                    .iter()
                    .find_map(|k| match logging.attr(k) {
                        Some(a) if a.value.as_bool() == Some(false) => Some(a.pos),
                        None if !logging.dynamic => Some(logging.pos),
                        _ => None,
                    });
                if let Some(pos) = off {
                    hit(out, &RULE, pos, account.address());
                }
            }
        }
    }
}
