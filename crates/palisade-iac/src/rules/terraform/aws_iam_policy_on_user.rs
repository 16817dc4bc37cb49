//! `iac.aws.iam-policy-attached-to-user`: permissions granted to a user directly.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.iam-policy-attached-to-user",
    name: "IAM policy is attached directly to a user",
    severity: Severity::Low,
    framework: "terraform",
    checkov: &["CKV_AWS_40"],
    description: "Policies attached to individual users are hard to review and forgotten when people change roles, so privileges pile up on long-lived credentials; groups and roles keep permissions in one auditable place.",
    remediation: "Attach the policy to a group (`aws_iam_group_policy_attachment`) or a role the user assumes, and add the user to the group.",
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"],
    example_path: "iam.tf",
    positive: &[
        r#"resource "aws_iam_user_policy_attachment" "deploy" {
  user       = aws_iam_user.deploy.name
  policy_arn = aws_iam_policy.deploy.arn
}"#,
        r#"resource "aws_iam_policy_attachment" "deploy" {
  name       = "deploy"
  users      = [aws_iam_user.deploy.name]
  policy_arn = aws_iam_policy.deploy.arn
}"#,
    ],
    negative: &[r#"resource "aws_iam_group_policy_attachment" "deploy" {
  group      = aws_iam_group.deployers.name
  policy_arn = aws_iam_policy.deploy.arn
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for attachment in super::resources(module, &["aws_iam_user_policy_attachment", "aws_iam_user_policy"]) {
        hit(out, &RULE, attachment.pos, attachment.address());
    }
    for attachment in module.resources("aws_iam_policy_attachment") {
        if let Some(users) = attachment.attr("users")
            && !users.value.as_list().is_some_and(<[_]>::is_empty)
        {
            hit(out, &RULE, users.pos, attachment.address());
        }
    }
}
