//! `iac.aws.iam-policy-wildcard-action`: `"Action": "*"`, whatever the resource.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.iam-policy-wildcard-action",
    name: "IAM policy allows every action (\"Action\": \"*\")",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AWS_63"],
    description: "A statement that allows every action, even on a few resources, grants actions nobody reviewed: deleting or re-permissioning the resources, reading their data, and any action AWS adds later.",
    remediation: "List the actions the principal needs on those resources (IAM Access Analyzer can generate a policy from CloudTrail activity).",
    references: &[
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    ],
    example_path: "iam.tf",
    positive: &[
        r#"resource "aws_iam_policy" "bucket" {
  name = "bucket-all"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "arn:aws:s3:::reports/*"
    }]
  })
}"#,
        r#"data "aws_iam_policy_document" "bucket" {
  statement {
    actions   = ["*"]
    resources = ["arn:aws:s3:::reports/*"]
  }
}"#,
    ],
    negative: &[
        r#"resource "aws_iam_policy" "read" {
  name = "read"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = "arn:aws:s3:::reports/*"
    }]
  })
}"#,
        r#"data "aws_iam_policy_document" "deny" {
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["arn:aws:s3:::reports/*"]
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    super::aws_iam_policy_full_admin::check_statements(module, out, &RULE, false);
}
