//! `iac.aws.rds-storage-unencrypted`: database storage without encryption at rest.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.rds-storage-unencrypted",
    name: "RDS instance storage is not encrypted",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AWS_16"],
    description: "Unencrypted instance storage leaves the data, its automated backups, snapshots and read replicas readable to anyone who obtains a snapshot (shared by mistake or copied by a compromised account).",
    remediation: "Set `storage_encrypted = true` (the default is `false`), optionally with `kms_key_id`; an existing instance must be restored from an encrypted snapshot copy.",
    references: &["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"],
    example_path: "rds.tf",
    positive: &[
        r#"resource "aws_db_instance" "main" {
  identifier     = "main"
  engine         = "mysql"
  instance_class = "db.t3.micro"
}"#,
        r#"resource "aws_db_instance" "main" {
  identifier        = "main"
  storage_encrypted = false
}"#,
    ],
    negative: &[r#"resource "aws_db_instance" "main" {
  identifier        = "main"
  engine            = "mysql"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.db.arn
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for db in module.resources("aws_db_instance") {
        bool_setting(out, &RULE, db, &["storage_encrypted"], false, true);
    }
}
