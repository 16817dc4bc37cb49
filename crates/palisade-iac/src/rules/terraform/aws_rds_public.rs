//! `iac.aws.rds-publicly-accessible`: a database instance with a public address.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.rds-publicly-accessible",
    name: "RDS instance is publicly accessible",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AWS_17"],
    description: "A publicly accessible instance gets an internet-resolvable address; with a permissive security group the database login is all that stands between the internet and the data.",
    remediation: "Set `publicly_accessible = false` (the default) and reach the database from inside the VPC, through a bastion or AWS PrivateLink.",
    references: &[
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding",
    ],
    example_path: "rds.tf",
    positive: &[r#"resource "aws_db_instance" "main" {
  identifier          = "main"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = true
}"#],
    negative: &[
        r#"resource "aws_db_instance" "main" {
  identifier          = "main"
  engine              = "postgres"
  publicly_accessible = false
}"#,
        r#"resource "aws_rds_cluster_instance" "main" {
  identifier = "main-1"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for db in super::resources(module, &["aws_db_instance", "aws_rds_cluster_instance"]) {
        bool_setting(out, &RULE, db, &["publicly_accessible"], true, false);
    }
}
