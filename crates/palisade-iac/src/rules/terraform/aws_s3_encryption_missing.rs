//! `iac.aws.s3-bucket-encryption-missing`: no server-side encryption configured.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.s3-bucket-encryption-missing",
    name: "S3 bucket has no server-side encryption configuration",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AWS_19"],
    description: "Without an explicit encryption configuration the bucket relies on the account default (SSE-S3 for buckets created since 2023); choosing KMS keys lets access to the data be controlled and audited apart from access to the bucket.",
    remediation: "Add an `aws_s3_bucket_server_side_encryption_configuration` for the bucket (or the `server_side_encryption_configuration` block of AWS provider 3.x), preferably with `aws:kms`.",
    references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html"],
    example_path: "s3.tf",
    positive: &[r#"resource "aws_s3_bucket" "data" {
  bucket = "example-data"
}"#],
    negative: &[
        r#"resource "aws_s3_bucket" "data" {
  bucket = "example-data"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}"#,
        r#"resource "aws_s3_bucket" "data" {
  bucket = "example-data"
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES256"
      }
    }
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for bucket in module.resources("aws_s3_bucket") {
        if bucket.block("server_side_encryption_configuration").is_none()
            && !module.has_linked(
                "aws_s3_bucket_server_side_encryption_configuration",
                "bucket",
                bucket,
            )
        {
            hit(out, &RULE, bucket.pos, bucket.address());
        }
    }
}
