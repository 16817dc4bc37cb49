//! `iac.aws.s3-bucket-versioning-disabled`: overwritten or deleted objects are gone.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.s3-bucket-versioning-disabled",
    name: "S3 bucket versioning is not enabled",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AWS_21"],
    description: "Without versioning, an object that is overwritten or deleted (by mistake, by ransomware, or by someone with a leaked key) cannot be recovered.",
    remediation: "Add an `aws_s3_bucket_versioning` with `versioning_configuration { status = \"Enabled\" }` (or `versioning { enabled = true }` on AWS provider 3.x).",
    references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"],
    example_path: "s3.tf",
    positive: &[
        r#"resource "aws_s3_bucket" "data" {
  bucket = "example-data"
}"#,
        r#"resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Suspended"
  }
}"#,
        r#"resource "aws_s3_bucket" "old" {
  bucket = "example-old"
  versioning {
    enabled = false
  }
}"#,
    ],
    negative: &[
        r#"resource "aws_s3_bucket" "data" {
  bucket = "example-data"
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}"#,
        r#"resource "aws_s3_bucket" "old" {
  bucket = "example-old"
  versioning {
    enabled = true
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for bucket in module.resources("aws_s3_bucket") {
        match bucket.block("versioning") {
            Some(v) => {
                if let Some(a) = v.attr("enabled")
                    && a.value.as_bool() == Some(false)
                {
                    hit(out, &RULE, a.pos, bucket.address());
                }
            }
            None => {
                if !module.has_linked("aws_s3_bucket_versioning", "bucket", bucket) {
                    hit(out, &RULE, bucket.pos, bucket.address());
                }
            }
        }
    }
    for versioning in module.resources("aws_s3_bucket_versioning") {
        if let Some(a) = versioning
            .block("versioning_configuration")
            .and_then(|c| c.attr("status"))
            && matches!(a.value.as_str(), Some("Suspended" | "Disabled"))
        {
            hit(out, &RULE, a.pos, versioning.address());
        }
    }
}
