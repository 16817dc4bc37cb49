//! `iac.aws.s3-bucket-public-acl`: a canned ACL that opens the bucket to everyone.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.s3-bucket-public-acl",
    name: "S3 bucket ACL grants access to everyone",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AWS_20", "CKV_AWS_57"],
    description: "The `public-read` and `public-read-write` canned ACLs let anyone on the internet list and read (and with `-write`, upload and overwrite) the bucket's objects; public S3 buckets are a leading cause of data leaks.",
    remediation: "Use `private` (the default), turn on S3 Block Public Access, and share objects with presigned URLs or CloudFront origin access control.",
    references: &[
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ],
    example_path: "s3.tf",
    positive: &[
        r#"resource "aws_s3_bucket" "site" {
  bucket = "example-site"
  acl    = "public-read"
}"#,
        r#"resource "aws_s3_bucket_acl" "site" {
  bucket = aws_s3_bucket.site.id
  acl    = "public-read-write"
}"#,
    ],
    negative: &[
        r#"resource "aws_s3_bucket" "site" {
  bucket = "example-site"
  acl    = "private"
}"#,
        r#"resource "aws_s3_bucket_acl" "site" {
  bucket = aws_s3_bucket.site.id
  acl    = var.acl
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for bucket in super::resources(module, &["aws_s3_bucket", "aws_s3_bucket_acl"]) {
        if let Some(a) = bucket.attr("acl")
            && matches!(a.value.as_str(), Some("public-read" | "public-read-write"))
        {
            hit(out, &RULE, a.pos, bucket.address());
        }
    }
}
