//! `iac.aws.iam-policy-full-admin`: `"Action": "*"` on `"Resource": "*"`.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::{Lit, Module};

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.iam-policy-full-admin",
    name: "IAM policy grants full administrator access (*:*)",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AWS_1", "CKV_AWS_62"],
    description: "A statement that allows every action on every resource makes whoever holds the policy an account administrator: one leaked key or compromised workload owns the whole AWS account.",
    remediation: "List the actions and resources the principal needs (IAM Access Analyzer can generate a policy from CloudTrail activity); keep `AdministratorAccess` for break-glass roles only.",
    references: &[
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    ],
    example_path: "iam.tf",
    positive: &[
        r#"resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}"#,
        r#"resource "aws_iam_role_policy" "admin" {
  name   = "admin"
  role   = aws_iam_role.ci.id
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": {"Effect": "Allow", "Action": ["*"], "Resource": "*"}
}
EOF
}"#,
        r#"data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
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
      Action   = ["s3:GetObject"]
      Resource = "arn:aws:s3:::example/*"
    }]
  })
}"#,
        r#"data "aws_iam_policy_document" "deny" {
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
}"#,
    ],
};

pub(crate) const POLICY_RESOURCES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
];

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    check_statements(module, out, &RULE, true);
}

/// Flags policies with an `Allow` statement whose actions include `*` (and,
/// with `on_every_resource`, whose resources include `*` too).
pub(crate) fn check_statements(
    module: &Module,
    out: &mut Vec<RuleMatch>,
    rule: &'static StaticRule,
    on_every_resource: bool,
) {
    for policy in super::resources(module, POLICY_RESOURCES) {
        let Some(attr) = policy.attr("policy") else {
            continue;
        };
        let document = match &attr.value {
            Lit::Str(text) => json_lit(text),
            other => Some(other.clone()),
        };
        if document.is_some_and(|d| allows_star(&d, on_every_resource)) {
            hit(out, rule, attr.pos, policy.address());
        }
    }
    for document in module.data("aws_iam_policy_document") {
        for statement in document.blocks("statement") {
            let allow = statement.str("effect").is_none_or(|e| e == "Allow");
            let has_star = |key: &str| {
                statement
                    .attr(key)
                    .is_some_and(|a| a.value.strings().contains(&"*"))
            };
            if allow && has_star("actions") && (!on_every_resource || has_star("resources")) {
                hit(out, rule, statement.pos, document.address());
            }
        }
    }
}

fn allows_star(document: &Lit, on_every_resource: bool) -> bool {
    let statements = match document.get("Statement") {
        Some(Lit::List(items)) => items.iter().collect::<Vec<_>>(),
        Some(single) => vec![single],
        None => return false,
    };
    statements.into_iter().any(|s| {
        let star = |key: &str| s.get(key).is_some_and(|v| v.strings().contains(&"*"));
        s.get("Effect").and_then(Lit::as_str) == Some("Allow")
            && star("Action")
            && (!on_every_resource || star("Resource"))
    })
}

/// A policy written as a JSON string (heredoc or literal).
fn json_lit(text: &str) -> Option<Lit> {
    fn convert(v: serde_json::Value) -> Lit {
        match v {
            serde_json::Value::Null => Lit::Null,
            serde_json::Value::Bool(b) => Lit::Bool(b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Lit::Unknown, Lit::Num),
            serde_json::Value::String(s) => Lit::Str(s),
            serde_json::Value::Array(items) => Lit::List(items.into_iter().map(convert).collect()),
            serde_json::Value::Object(map) => {
                Lit::Map(map.into_iter().map(|(k, v)| (k, convert(v))).collect())
            }
        }
    }
    serde_json::from_str(text).ok().map(convert)
}
