//! `iac.google.storage-bucket-uniform-access-disabled`: per-object ACLs still in force.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.google.storage-bucket-uniform-access-disabled",
    name: "Cloud Storage bucket does not use uniform bucket-level access",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_GCP_29"],
    description: "Without uniform bucket-level access, object ACLs grant access next to IAM; a single object can be made public (`allUsers`) without anyone reviewing the bucket's IAM policy.",
    remediation: "Set `uniform_bucket_level_access = true` and manage access with IAM only.",
    references: &["https://cloud.google.com/storage/docs/uniform-bucket-level-access"],
    example_path: "gcs.tf",
    positive: &[
        r#"resource "google_storage_bucket" "data" {
  name     = "example-data"
  location = "EU"
}"#,
        r#"resource "google_storage_bucket" "data" {
  name                        = "example-data"
  location                    = "EU"
  uniform_bucket_level_access = false
}"#,
    ],
    negative: &[r#"resource "google_storage_bucket" "data" {
  name                        = "example-data"
  location                    = "EU"
  uniform_bucket_level_access = true
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for bucket in module.resources("google_storage_bucket") {
        bool_setting(
            out,
            &RULE,
            bucket,
            &["uniform_bucket_level_access", "bucket_policy_only"],
            false,
            true,
        );
    }
}
